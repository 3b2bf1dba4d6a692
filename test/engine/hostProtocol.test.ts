// The real engine host process against malformed messages (issue 13): `$/cancelRequest` with
// missing, null, string or list params or a null id once threw inside vscode-jsonrpc and ended the
// process; unchecked numbers (maxTokens "abc", draftMax −100 000) reached the engine. Every bad
// message must be survived and every bad request answered with one clear error.
import * as assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { smallFixtures } from "./engineTestSupport";

const engineHostScript = path.resolve(__dirname, "../../../dist/engineHost.js");

interface RpcResponse {
    readonly id: number;
    readonly result?: unknown;
    readonly error?: { readonly code: number; readonly message: string; readonly data?: { readonly code?: string } };
}

class RawHost {
    private readonly child: ChildProcess;
    private readonly waiting = new Map<number, (response: RpcResponse) => void>();
    private nextId = 1;
    public exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    public stderr = "";

    public constructor() {
        this.child = fork(engineHostScript, [], { stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "json", execArgv: [] });
        this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => { this.stderr += chunk; });
        this.child.on("message", (message: RpcResponse) => this.waiting.get(message.id)?.(message));
        this.child.on("exit", (code, signal) => { this.exit = { code, signal }; });
    }

    public get alive(): boolean {
        return this.exit == null;
    }

    /** Sends anything at all, as a peer could. */
    public raw(message: unknown): void {
        this.child.send(message as object);
    }

    public request(method: string, params?: unknown, timeoutMs = 60_000): Promise<RpcResponse> {
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${method} got no answer in ${timeoutMs} ms (host ${this.alive ? "alive" : `exited ${JSON.stringify(this.exit)}`})`)), timeoutMs);
            this.waiting.set(id, (response) => {
                clearTimeout(timer);
                resolve(response);
            });
            this.child.send({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) });
        });
    }

    public kill(): void {
        this.child.kill("SIGKILL");
    }
}

describe("engine host process: malformed messages and params", function () {
    this.timeout(120_000);
    let host: RawHost;

    before(async () => {
        host = new RawHost();
        const paths = await smallFixtures();
        const loaded = await host.request("specula/load", {
            target: { uri: paths.smallTarget }, draft: { uri: paths.smallDraft }, modelDirectory: "", fixtureDirectory: "",
            options: { gpu: "off", threads: 1, contextSize: 2048 }
        });
        assert.equal(loaded.error, undefined, JSON.stringify(loaded.error));
    });
    after(() => host.kill());

    it("survives malformed $/cancelRequest and non-JSON-RPC messages", async () => {
        const garbage: unknown[] = [
            { jsonrpc: "2.0", method: "$/cancelRequest" },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: null },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: "7" },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: [7] },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: { id: null } },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: {} },
            { jsonrpc: "2.0", id: null, method: "specula/stats" },
            "not an object", 42, [], { jsonrpc: "2.0" }
        ];
        for (const message of garbage) {
            host.raw(message);
            const stats = await host.request("specula/stats", undefined, 10_000);
            assert.ok(host.alive, `the host died after ${JSON.stringify(message)}: ${host.stderr}`);
            assert.equal(stats.error, undefined, `after ${JSON.stringify(message)}`);
        }
        console.log(`      ${garbage.length} malformed messages: the host answered a stats request after each`);
    });

    it("answers bad request params with a BAD_ARGUMENT error naming the field, and completes normally afterwards", async () => {
        const bad: Array<[string, unknown, RegExp]> = [
            ["specula/complete", { requestId: 1, prefix: "x", maxTokens: "abc" }, /maxTokens must be a finite number, not "abc"/],
            ["specula/complete", { requestId: 2, prefix: "x", maxTokens: null }, /maxTokens must be a finite number, not null/],
            ["specula/complete", { requestId: 3, prefix: "x", maxTokens: -1 }, /maxTokens must be from 0/],
            ["specula/complete", { requestId: 4, prefix: "x", maxTokens: 1e12 }, /maxTokens must be from 0 to/],
            ["specula/complete", { requestId: 5, prefix: 42 }, /prefix must be a string/],
            ["specula/complete", null, /params must be an object/],
            ["specula/complete", [1, 2], /params must be an object/],
            ["specula/setDecodingOptions", { draftMax: -100_000 }, /draftMax must be from 0 to 64, not -100000/],
            ["specula/setDecodingOptions", { draftMax: 1e9 }, /draftMax must be from 0 to 64/],
            ["specula/load", { target: { uri: 5 }, modelDirectory: "", fixtureDirectory: "", options: {} }, /target\.uri must be a string/],
            ["specula/download", { downloadId: 1, sources: "x", modelDirectory: "" }, /sources must be a list/],
            ["specula/resolve", { sources: [{ uri: "/x.gguf" }] }, /modelDirectory is missing/]
        ];
        for (const [method, params, message] of bad) {
            const response = await host.request(method, params);
            assert.ok(response.error != null, `${method} ${JSON.stringify(params)} was accepted`);
            assert.equal(response.error.data?.code, "BAD_ARGUMENT", response.error.message);
            assert.match(response.error.message, message);
            assert.ok(host.alive);
        }
        const completed = await host.request("specula/complete", { requestId: 9, prefix: "export function ", maxTokens: 8 });
        assert.equal(completed.error, undefined, JSON.stringify(completed.error));
        const result = completed.result as { text: string; stats: { promptTokens: number } };
        assert.ok(result.text.length > 0);
        console.log(`      ${bad.length} bad requests refused; then a completion of ${JSON.stringify(result.text)} from a ${result.stats.promptTokens}-token prompt`);
    });
});
