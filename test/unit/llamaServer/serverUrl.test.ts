import * as assert from "node:assert/strict";
import { checkServerUrl, endpointUrl, isLoopbackHost } from "../../../src/llamaServer/serverUrl";

describe("server URL policy", () => {
    it("accepts https anywhere and http to this machine, from any source", () => {
        for (const url of ["https://llama.example.com", "https://10.0.0.5:8443/llama", "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://127.1.2.3"])
            for (const source of ["user", "default"] as const) {
                const check = checkServerUrl(url, source);
                assert.ok(check.ok, `${url} from ${source}: ${check.ok ? "" : check.problem}`);
                assert.equal(check.cleartext, false, url);
            }
    });

    it("accepts http to another machine only when the user typed it, and flags it as cleartext", () => {
        const typed = checkServerUrl("http://192.168.1.20:8080", "user");
        assert.ok(typed.ok);
        assert.equal(typed.cleartext, true);
        assert.equal(typed.display, "192.168.1.20:8080");
        const notTyped = checkServerUrl("http://192.168.1.20:8080", "default");
        assert.ok(!notTyped.ok);
        assert.match(notTyped.problem, /unencrypted/);
    });

    it("refuses other schemes, credentials, queries and non-URLs with one clear message each", () => {
        const problems: [string, RegExp][] = [
            ["", /empty/],
            ["127.0.0.1:8080", /https:\/\/|not a URL/],
            ["not a url", /not a URL/],
            ["ftp://127.0.0.1/", /must start with https/],
            ["file:///etc/passwd", /must start with https/],
            ["https://user:secret@llama.example.com", /user name or password/],
            ["https://llama.example.com/?key=secret", /query/],
            ["https://llama.example.com/#x", /fragment/]
        ];
        for (const [url, pattern] of problems) {
            const check = checkServerUrl(url, "user");
            assert.ok(!check.ok, url);
            assert.match(check.problem, pattern, url);
            assert.ok(!check.problem.includes("secret"), "a rejected URL's password is not repeated");
        }
    });

    it("knows loopback hosts, including IPv4-mapped IPv6 as the URL parser writes it", () => {
        assert.equal(isLoopbackHost(new URL("http://[::ffff:127.0.0.1]/").hostname), true);
        assert.equal(isLoopbackHost("127.0.0.1"), true);
        assert.equal(isLoopbackHost("localhost"), true);
        assert.equal(isLoopbackHost("128.0.0.1"), false);
        assert.equal(isLoopbackHost("127.0.0.1.example.com"), false);
        assert.equal(isLoopbackHost("[::2]"), false);
    });

    it("does not take a name under .localhost for this machine without resolving it: http to it is cleartext", () => {
        for (const host of ["llama.localhost", "evil.example.localhost"]) {
            assert.equal(isLoopbackHost(host), false, host);
            const typed = checkServerUrl(`http://${host}:8080`, "user");
            assert.ok(typed.ok && typed.cleartext, `${host}: the "unencrypted" warning is given`);
            assert.ok(!checkServerUrl(`http://${host}:8080`, "default").ok, `${host} is not accepted as loopback from a default`);
        }
    });

    it("resolves endpoints under a base path (a reverse proxy)", () => {
        const check = checkServerUrl("https://host.example/llama", "user");
        assert.ok(check.ok);
        assert.equal(endpointUrl(check.base, "/completion").href, "https://host.example/llama/completion");
        assert.equal(endpointUrl(check.base, "health").href, "https://host.example/llama/health");
    });
});
