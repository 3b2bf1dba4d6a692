// Downloads against hostile servers (issue 13): every redirect hop must be https (or loopback
// http), a connection that keeps dropping is retried a bounded number of times, Cancel always
// settles, nothing rejects unhandled, and a file is kept only when it is a whole GGUF file.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { redirectProblem } from "../../../src/engineHost/downloadFile";
import { downloadModelSources, fileNameForHuggingFace, fileNameForUrl, HostError, resolveModelSource, verifySha256 } from "../../../src/engineHost/modelFiles";
import { smallFixtures } from "../../support/engineTestSupport";
import { startLoopbackModelServer, type LoopbackModelServer } from "../../support/loopbackModelServer";

async function expectHostError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<HostError> {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof HostError, `expected a HostError, got ${String(error)}`);
        assert.equal(error.code, code, error.message);
        if (message != null)
            assert.match(error.message, message);
        assert.ok(!error.message.includes("\n"), "one line");
        return error;
    }
    assert.fail(`expected ${code}`);
}

describe("downloads from hostile servers", function () {
    this.timeout(60_000);
    let root: string;
    let model: Buffer;
    let server: LoopbackModelServer;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    const fast = { retryDelaysMs: [10] };

    before(async () => {
        root = await fs.mkdtemp(path.join(os.tmpdir(), "specula-downloads-"));
        model = await fs.readFile((await smallFixtures()).smallDraft);
        process.on("unhandledRejection", onUnhandled);
    });
    after(async () => {
        process.off("unhandledRejection", onUnhandled);
        await fs.rm(root, { recursive: true, force: true });
    });
    beforeEach(() => {
        unhandled.length = 0;
    });
    afterEach(async () => {
        await server?.close();
        // A stray rejection surfaces a tick or two later.
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.deepEqual(unhandled.map(String), [], "unhandled rejections");
    });

    const directory = async (name: string) => {
        const dir = path.join(root, name);
        await fs.mkdir(dir, { recursive: true });
        return dir;
    };

    it("refuses a redirect to plain http on another host, before connecting to it", async () => {
        server = await startLoopbackModelServer([{ name: "model.gguf", data: model, redirectTo: "http://example.com/model.gguf" }]);
        const modelDirectory = await directory("redirect-http");
        const started = Date.now();
        await expectHostError(
            downloadModelSources([{ uri: `${server.baseUrl}/model.gguf` }], { modelDirectory, ...fast }),
            "URL_NOT_ALLOWED",
            /redirects to http:\/\/example\.com\/model\.gguf, which uses plain http/
        );
        console.log(`      refused in ${Date.now() - started} ms after ${server.requests.length} requests to the loopback server: ${server.requests.join(", ")}`);
        assert.deepEqual(await fs.readdir(modelDirectory), []);
    });

    it("follows redirects whose every hop is allowed", async () => {
        server = await startLoopbackModelServer([{ name: "model.gguf", data: model }]);
        const hop = await startLoopbackModelServer([{ name: "first.gguf", data: model, redirectTo: `${server.baseUrl}/model.gguf` }]);
        try {
            const modelDirectory = await directory("redirect-ok");
            const [file] = await downloadModelSources([{ uri: `${hop.baseUrl}/first.gguf` }], { modelDirectory, ...fast });
            assert.ok((await fs.readFile(file!)).equals(model));
            assert.equal(path.basename(file!), "first.gguf");
        } finally {
            await hop.close();
        }
    });

    it("gives up on a stream without Content-Length that keeps dropping, after a bounded number of tries", async () => {
        server = await startLoopbackModelServer([{ name: "model.gguf", data: model, unknownLength: true, dropAfterBytes: 50_000 }]);
        const modelDirectory = await directory("drops");
        const started = Date.now();
        await expectHostError(
            downloadModelSources([{ uri: `${server.baseUrl}/model.gguf` }], { modelDirectory, ...fast }),
            "DOWNLOAD_FAILED",
            /connection dropped after 50000 bytes.*5 times/
        );
        const gets = server.requests.filter((request) => request.startsWith("GET"));
        console.log(`      failed after ${gets.length} connections in ${Date.now() - started} ms`);
        assert.equal(gets.length, 5);
        assert.ok(!(await fs.readdir(modelDirectory)).includes("model.gguf"), "a partial file got the model's name");
    });

    it("Cancel settles at once while a dropping download is being retried", async () => {
        server = await startLoopbackModelServer([{ name: "model.gguf", data: model, unknownLength: true, dropAfterBytes: 50_000 }]);
        const modelDirectory = await directory("cancel");
        const abort = new AbortController();
        const download = downloadModelSources([{ uri: `${server.baseUrl}/model.gguf` }], { modelDirectory, signal: abort.signal, retryDelaysMs: [60_000] });
        while (server.requests.filter((request) => request.startsWith("GET")).length < 1)
            await new Promise((resolve) => setTimeout(resolve, 20));
        await new Promise((resolve) => setTimeout(resolve, 200));
        const cancelled = Date.now();
        abort.abort();
        await expectHostError(download, "CANCELLED");
        const settleMs = Date.now() - cancelled;
        console.log(`      settled ${settleMs} ms after Cancel (the next retry was due in 60 s)`);
        assert.ok(settleMs < 1000, `Cancel took ${settleMs} ms to settle`);
        assert.ok(!(await fs.readdir(modelDirectory)).includes("model.gguf"));
    });

    it("a captive portal's web page is not reported as downloaded", async () => {
        const page = Buffer.from("<!doctype html><html><body>Please log in to the hotel Wi-Fi</body></html>");
        server = await startLoopbackModelServer([
            { name: "portal.gguf", data: page, contentType: "text/html; charset=utf-8" },
            { name: "disguised.gguf", data: page, contentType: "application/octet-stream" }
        ]);
        const modelDirectory = await directory("portal");
        await expectHostError(downloadModelSources([{ uri: `${server.baseUrl}/portal.gguf` }], { modelDirectory, ...fast }), "DOWNLOAD_FAILED", /web page \(text\/html\)/);
        await expectHostError(downloadModelSources([{ uri: `${server.baseUrl}/disguised.gguf` }], { modelDirectory, ...fast }), "DOWNLOAD_FAILED", /not a GGUF model file \(it starts with "<!doctype html>/);
        assert.deepEqual((await fs.readdir(modelDirectory)).filter((name) => !name.endsWith(".part")), []);
    });

    it("a file whose tensor data is cut short is not reported as downloaded", async () => {
        server = await startLoopbackModelServer([{ name: "cut.gguf", data: model.subarray(0, model.length - 4096) }]);
        const modelDirectory = await directory("cut");
        await expectHostError(downloadModelSources([{ uri: `${server.baseUrl}/cut.gguf` }], { modelDirectory, ...fast }), "DOWNLOAD_FAILED", /is truncated/);
        assert.deepEqual(await fs.readdir(modelDirectory), []);
    });

    it("refuses a file larger than the largest size allowed before writing anything", async () => {
        server = await startLoopbackModelServer([{ name: "model.gguf", data: model }]);
        const modelDirectory = await directory("too-large");
        await expectHostError(
            downloadModelSources([{ uri: `${server.baseUrl}/model.gguf` }], { modelDirectory, ...fast, maxBytes: 50_000 }),
            "DOWNLOAD_FAILED",
            new RegExp(`the server says it is ${model.length} bytes, more than the largest model file Specula downloads \\(50000 bytes\\)`)
        );
        assert.deepEqual(await fs.readdir(modelDirectory), []);
    });

    it("stops an answer of unknown size at the largest size allowed, and keeps none of it", async () => {
        // "GGUF" and then zeros without end, as far as the downloader can tell (8 MiB, no Content-Length).
        const endless = Buffer.concat([Buffer.from("GGUF", "latin1"), Buffer.alloc(8 * 1024 * 1024)]);
        server = await startLoopbackModelServer([{ name: "model.gguf", data: endless, unknownLength: true }]);
        const modelDirectory = await directory("endless");
        await expectHostError(
            downloadModelSources([{ uri: `${server.baseUrl}/model.gguf` }], { modelDirectory, ...fast, maxBytes: 1024 * 1024 }),
            "DOWNLOAD_FAILED",
            /sent more than 1\.0 MiB without saying how large the file is/
        );
        assert.deepEqual(await fs.readdir(modelDirectory), []);
    });

    it("a server that stops sending: each connection ends after the stall time, and the part file resumes later", async () => {
        server = await startLoopbackModelServer([{ name: "model.gguf", data: model }]);
        server.stallAfterBytes = 10_000;
        const modelDirectory = await directory("stall");
        await expectHostError(
            downloadModelSources([{ uri: `${server.baseUrl}/model.gguf` }], { modelDirectory, ...fast, stallMs: 200 }),
            "DOWNLOAD_FAILED",
            /the server sent nothing for 0\.2 s after 50000 bytes, 5 times; it continues where it stopped next time/
        );
        assert.deepEqual(server.ranges, [undefined, "bytes=10000-", "bytes=20000-", "bytes=30000-", "bytes=40000-"]);
        assert.equal((await fs.stat(path.join(modelDirectory, "model.gguf.part"))).size, 50_000);
        server.stallAfterBytes = 0;
        const [file] = await downloadModelSources([{ uri: `${server.baseUrl}/model.gguf` }], { modelDirectory, ...fast, stallMs: 200 });
        assert.equal(server.ranges.at(-1), "bytes=50000-");
        assert.ok((await fs.readFile(file!)).equals(model));
    });

    it("a download from another machine may not be redirected to this one; a loopback one may", () => {
        const remote = new URL("https://models.example.com/model.gguf");
        for (const local of ["http://127.0.0.1:9/admin", "http://localhost:8080/", "https://[::1]/x", "https://127.0.0.2/x", "http://0.0.0.0:80/", "https://llama.localhost/x"])
            assert.match(redirectProblem(remote, new URL(local)) ?? "allowed", /may not be redirected here/, local);
        assert.equal(redirectProblem(remote, new URL("https://cdn.example.net/model.gguf")), undefined);
        assert.equal(redirectProblem(new URL("http://127.0.0.1:8000/a.gguf"), new URL("http://localhost:9000/b.gguf")), undefined);
    });

    it("names hf: downloads after the user, repository and file or tag", () => {
        assert.equal(fileNameForHuggingFace("hf:ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF/qwen2.5-coder-1.5b-q8_0.gguf"), "hf_ggml-org_Qwen2.5-Coder-1.5B-Q8_0-GGUF_qwen2.5-coder-1.5b-q8_0.gguf");
        assert.equal(fileNameForHuggingFace("hf:user/repo/sub/dir/model.gguf#dev"), "hf_user_repo_dev_sub__dir__model.gguf");
        assert.equal(fileNameForHuggingFace("hf:user/repo:Q4_K_M"), "hf_user_repo_Q4_K_M.gguf");
        assert.equal(fileNameForHuggingFace("hf:user/repo"), "hf_user_repo_latest.gguf");
    });

    it("a URL with a malformed %-escape is named, not an internal error", async () => {
        const url = new URL("https://example.com/models/%E0%A4%A.gguf");
        assert.equal(fileNameForUrl(url), "_E0_A4_A.gguf");
        await expectHostError(
            resolveModelSource({ uri: url.href }, "target", { modelDirectory: await directory("escape"), fixtureDirectory: "" }),
            "NOT_DOWNLOADED",
            /example\.com\/%E0%A4%A\.gguf is not downloaded yet/
        );
    });
});

describe("SHA-256 pins", function () {
    this.timeout(30_000);
    let root: string;

    before(async () => {
        root = await fs.mkdtemp(path.join(os.tmpdir(), "specula-sha-"));
    });
    after(async () => {
        await fs.rm(root, { recursive: true, force: true });
    });

    it("a verified file replaced by one of the same size with its timestamp restored is hashed again and refused", async () => {
        const models = path.join(root, "models");
        const state = path.join(root, "state");
        await fs.mkdir(models, { recursive: true });
        const file = path.join(models, "model.gguf");
        const good = Buffer.alloc(1 << 20, 1);
        await fs.writeFile(file, good);
        const sha = createHash("sha256").update(good).digest("hex");
        await verifySha256(file, sha, "target", { stateDirectory: state });
        assert.deepEqual(await fs.readdir(models), ["model.gguf"], "verification state was written into the model folder");
        assert.equal((await fs.readdir(state)).length, 1);

        // What `touch -r` does: a file rewritten with the same size gets its old timestamps back.
        const reference = path.join(root, "reference");
        await fs.writeFile(reference, "");
        execFileSync("touch", ["-r", file, reference]);
        const before = await fs.stat(file, { bigint: true });
        const evil = Buffer.from(good);
        evil[12345] = 2;
        await fs.writeFile(file, evil);
        execFileSync("touch", ["-r", reference, file]);
        const after = await fs.stat(file, { bigint: true });
        assert.equal(after.size, before.size);
        assert.equal(after.mtimeNs, before.mtimeNs);
        await expectHostError(verifySha256(file, sha, "target", { stateDirectory: state }), "CHECKSUM_MISMATCH", /has SHA-256 [0-9a-f]{64}, not the pinned/);
        assert.deepEqual(await fs.readdir(models), ["model.gguf"]);
    });
});
