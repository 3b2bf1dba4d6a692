import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { EngineClient, EngineClientError, type CrashInfo, type RestartOutcome } from "../../../src/engineHost/EngineClient";
import { epochNow } from "../../../src/completion/epochClock";
import type { DownloadProgress, LoadParams } from "../../../src/engineHost/protocol";
import { startLoopbackModelServer, type LoopbackModelServer } from "../../support/loopbackModelServer";

const fakeHostScript = path.join(__dirname, "..", "..", "support", "fakeEngineHost.js");

function once<T>(subscribe: (listener: (value: T) => void) => { dispose(): void }, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("event did not fire")), timeoutMs);
        const subscription = subscribe((value) => {
            clearTimeout(timer);
            subscription.dispose();
            resolve(value);
        });
    });
}

async function expectClientError(promise: Promise<unknown>, code: string): Promise<EngineClientError> {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof EngineClientError, `expected an EngineClientError, got ${String(error)}`);
        assert.equal(error.code, code, error.message);
        return error;
    }
    assert.fail(`expected ${code}`);
}

/**
 * A well-formed GGUF file of about `size` bytes (one F32 tensor of pseudo-random bytes): the
 * downloader checks the header and that the tensor data is all there before it keeps a file.
 */
function fakeGguf(size: number): Buffer {
    const values = Math.max(1, Math.floor((size - 96) / 4));
    const header: Buffer[] = [];
    const u32 = (value: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(value); header.push(b); };
    const u64 = (value: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(value)); header.push(b); };
    const text = (value: string) => { u64(Buffer.byteLength(value)); header.push(Buffer.from(value)); };
    header.push(Buffer.from("GGUF", "latin1"));
    u32(3); u64(1); u64(1);
    text("general.architecture"); u32(8); text("fake");
    text("data"); u32(1); u64(values); u32(0); u64(0);
    const head = Buffer.concat(header);
    const data = Buffer.alloc(Math.ceil(head.length / 32) * 32 + values * 4);
    head.copy(data);
    let state = 12345;
    for (let index = Math.ceil(head.length / 32) * 32; index < data.length; index++) {
        state = (state * 1103515245 + 12345) >>> 0;
        data[index] = state >>> 24;
    }
    return data;
}

describe("EngineClient ↔ engine host process (fake engine)", function () {
    this.timeout(30_000);
    let root: string;
    let client: EngineClient;
    const logs: string[] = [];

    const loadParams = (target: string, draft?: string): LoadParams => ({
        target: { uri: target },
        ...(draft != null ? { draft: { uri: draft } } : {}),
        modelDirectory: path.join(root, "models"),
        fixtureDirectory: path.join(root, "fixtures"),
        options: { speculative: true, draftMax: 4 }
    });

    before(async () => {
        root = await fs.mkdtemp(path.join(os.tmpdir(), "specula-host-test-"));
    });
    after(async () => {
        await fs.rm(root, { recursive: true, force: true });
    });
    beforeEach(() => {
        logs.length = 0;
        client = new EngineClient({
            hostScript: fakeHostScript,
            log: (level, message) => logs.push(`${level}: ${message}`),
            restartDelaysMs: [50, 100],
            shutdownTimeoutMs: 1000
        });
    });
    afterEach(async () => {
        await client.dispose();
    });

    it("loads a pair, completes, reports stats and echoes the engine info", async () => {
        const loaded = await client.load(loadParams("/models/t.gguf", "/models/d.gguf"));
        assert.equal(loaded.info.speculationAvailable, true);
        assert.equal(loaded.targetPath, "/models/t.gguf");
        const outcome = await client.complete({ prefix: "const a = ", suffix: ";\n" });
        assert.equal(outcome.kind, "result");
        assert.ok(outcome.kind === "result" && outcome.result.text.includes("completion 10:2"));
        const stats = await client.stats();
        assert.equal(stats?.requests, 1);
    });

    it("turns an AbortSignal into $/cancelRequest and gets the partial result back", async () => {
        await client.load(loadParams("/models/t.gguf"));
        const abort = new AbortController();
        const started = Date.now();
        setTimeout(() => abort.abort(), 100);
        const outcome = await client.complete({ prefix: "SLOW" }, abort.signal);
        assert.equal(outcome.kind, "result");
        assert.ok(outcome.kind === "result");
        assert.equal(outcome.result.stopReason, "aborted");
        assert.equal(outcome.result.text, " partial");
        assert.ok(Date.now() - started < 2000);
    });

    it("streams the completion's text as notifications that arrive before the result", async () => {
        await client.load(loadParams("/models/t.gguf"));
        const pieces: string[] = [];
        const outcome = await client.complete({ prefix: "stream me" }, undefined, (delta) => pieces.push(delta));
        assert.ok(outcome.kind === "result", outcome.kind);
        assert.equal(pieces.length, 2, JSON.stringify(pieces));
        assert.equal(pieces.join(""), outcome.result.text);
    });

    it("the result says when the host received the request, sent its first text and answered, on the epoch clock", async () => {
        await client.load(loadParams("/models/t.gguf"));
        const sentAt = epochNow();
        let firstPieceAt: number | undefined;
        const outcome = await client.complete({ prefix: "stream me" }, undefined, () => { firstPieceAt ??= epochNow(); });
        const resultAt = epochNow();
        assert.ok(outcome.kind === "result", outcome.kind);
        const times = outcome.result.hostTimes;
        assert.ok(times != null, "hostTimes missing");
        // One clock for both processes: each step lies between the client's own timestamps around it.
        assert.ok(sentAt <= times.receivedAt, `received ${times.receivedAt} before sent ${sentAt}`);
        assert.ok(times.firstTextSentAt != null && times.receivedAt <= times.firstTextSentAt && times.firstTextSentAt <= firstPieceAt!, JSON.stringify({ times, firstPieceAt }));
        assert.ok(times.firstTextSentAt <= times.answeredAt && times.answeredAt <= resultAt, JSON.stringify({ times, resultAt }));
    });

    it("delivers the text streamed before a crash, then resolves as crashed", async () => {
        await client.load(loadParams("/models/t.gguf", "/models/d.gguf"));
        const pieces: string[] = [];
        const outcome = await client.complete({ prefix: "CRASH mid-stream" }, undefined, (delta) => pieces.push(delta));
        assert.equal(outcome.kind, "crashed");
        assert.deepEqual(pieces, [" part"]);
    });

    it("applies decoding options to the loaded engine", async () => {
        await client.load(loadParams("/models/t.gguf", "/models/d.gguf"));
        await client.setDecodingOptions({ speculative: false });
        const outcome = await client.complete({ prefix: "x" });
        assert.ok(outcome.kind === "result" && outcome.result.speculative === false);
    });

    it("maps engine errors to codes with the engine's message", async () => {
        const error = await expectClientError(client.load(loadParams("/models/missing.gguf")), "FILE_NOT_FOUND");
        assert.match(error.message, /missing\.gguf" does not exist/);
        await expectClientError(client.load(loadParams("relative/path.gguf")), "URL_NOT_ALLOWED");
        const notLoaded = await client.complete({ prefix: "x" });
        assert.ok(notLoaded.kind === "error" && notLoaded.error.code === "ENGINE_DISPOSED");
    });

    it("resolves a crash mid-generation as 'crashed', restarts with back-off and completes again", async () => {
        await client.load(loadParams("/models/t.gguf", "/models/d.gguf"));
        const firstPid = client.pid;
        const crashed = once<CrashInfo>((listener) => client.onDidCrash(listener));
        const restarted = once<RestartOutcome>((listener) => client.onDidRestart(listener));
        const outcome = await client.complete({ prefix: "CRASH here" });
        assert.equal(outcome.kind, "crashed");
        const crash = await crashed;
        assert.equal(crash.phase, "complete");
        assert.equal(crash.signal, "SIGABRT");
        assert.equal(crash.restartInMs, 50);
        assert.match(crash.message, /killed by SIGABRT while generating/);
        const restart = await restarted;
        assert.equal(restart.error, undefined);
        assert.notEqual(client.pid, firstPid);
        const after = await client.complete({ prefix: "again" });
        assert.equal(after.kind, "result");
    });

    it("does not reload automatically after a crash while loading, and loads a good pair next", async () => {
        const crashed = once<CrashInfo>((listener) => client.onDidCrash(listener));
        await expectClientError(client.load(loadParams("/models/crash-on-load.gguf")), "ENGINE_CRASHED");
        const crash = await crashed;
        assert.equal(crash.phase, "load");
        assert.equal(crash.restartInMs, undefined);
        const loaded = await client.load(loadParams("/models/t.gguf"));
        assert.equal(loaded.targetPath, "/models/t.gguf");
    });

    it("a killed idle host is restarted and the pair reloaded", async () => {
        await client.load(loadParams("/models/t.gguf"));
        const restarted = once<RestartOutcome>((listener) => client.onDidRestart(listener));
        process.kill(client.pid!, "SIGKILL");
        const restart = await restarted;
        assert.equal(restart.result?.targetPath, "/models/t.gguf");
    });

    it("restart() replaces the process and reloads; dispose() ends it", async () => {
        await client.load(loadParams("/models/t.gguf"));
        const pid = client.pid!;
        const reloaded = await client.restart();
        assert.equal(reloaded?.targetPath, "/models/t.gguf");
        assert.notEqual(client.pid, pid);
        assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
        const newPid = client.pid!;
        await client.dispose();
        assert.throws(() => process.kill(newPid, 0), { code: "ESRCH" });
        await expectClientError(client.load(loadParams("/models/t.gguf")), "ENGINE_DISPOSED");
    });

    it("resolves fixture sources in the fixture folder", async () => {
        const loaded = await client.load(loadParams("fixture:smallTarget", "fixture:smallDraft"));
        assert.equal(loaded.targetPath, path.join(root, "fixtures", "fake-target.gguf"));
        assert.equal(loaded.draftPath, path.join(root, "fixtures", "fake-draft.gguf"));
    });

    describe("downloads (against a loopback server)", () => {
        let server: LoopbackModelServer;
        const data = fakeGguf(3 * 1024 * 1024 + 17);
        const sha = createHash("sha256").update(data).digest("hex");
        const bigData = fakeGguf(12 * 1024 * 1024 + 5);

        before(async () => {
            server = await startLoopbackModelServer([{ name: "tiny-target.gguf", data }, { name: "tiny-draft.gguf", data: fakeGguf(4096) }, { name: "big-target.gguf", data: bigData }, { name: "no-ranges.gguf", data: bigData, ignoreRange: true }]);
        });
        after(async () => {
            await server.close();
        });
        beforeEach(() => {
            server.bytesPerTick = 0;
        });

        it("reports a remote model as not downloaded, without network access", async () => {
            const source = { uri: `${server.baseUrl}/tiny-target.gguf` };
            const modelDirectory = path.join(root, "dl-none");
            const before = server.ranges.length;
            const resolved = await client.resolve({ sources: [source, { uri: "hf:user/repo/file.gguf" }], modelDirectory });
            assert.deepEqual(resolved.paths, [null, null]);
            await expectClientError(client.load({ ...loadParams(source.uri), modelDirectory }), "NOT_DOWNLOADED");
            assert.equal(server.ranges.length, before);
        });

        it("downloads with progress, then finds the files offline", async () => {
            const modelDirectory = path.join(root, "dl-ok");
            const sources = [{ uri: `${server.baseUrl}/tiny-target.gguf`, sha256: sha }, { uri: `${server.baseUrl}/tiny-draft.gguf` }];
            const progress: DownloadProgress[] = [];
            const result = await client.download({ sources, modelDirectory }, (update) => progress.push(update));
            assert.equal(result.paths.length, 2);
            assert.deepEqual(await fs.readFile(result.paths[0]!), data);
            assert.ok(progress.some((update) => update.index === 0 && update.totalBytes === data.length));
            const resolved = await client.resolve({ sources, modelDirectory });
            assert.deepEqual(resolved.paths, result.paths);
        });

        it("deletes a download whose SHA-256 does not match the pin", async () => {
            const modelDirectory = path.join(root, "dl-bad-sha");
            const error = await expectClientError(
                client.download({ sources: [{ uri: `${server.baseUrl}/tiny-draft.gguf`, sha256: "0".repeat(64) }], modelDirectory }),
                "CHECKSUM_MISMATCH"
            );
            assert.match(error.message, /not the pinned 0{64}; it was deleted/);
            assert.deepEqual(await fs.readdir(modelDirectory), []);
        });

        it("can be cancelled and resumes from the part file", async () => {
            const modelDirectory = path.join(root, "dl-resume");
            const sources = [{ uri: `${server.baseUrl}/big-target.gguf` }];
            server.bytesPerTick = 128 * 1024;
            const abort = new AbortController();
            let seen = 0;
            const first = client.download({ sources, modelDirectory }, (update) => {
                seen = update.downloadedBytes;
                if (update.downloadedBytes > 7 * 1024 * 1024)
                    abort.abort();
            }, abort.signal);
            await expectClientError(first, "CANCELLED");
            assert.ok(seen > 7 * 1024 * 1024 && seen < bigData.length);
            // The cancel answers at once; the host closes the part file just after, so give it a moment.
            let partFiles: string[] = [];
            for (let waited = 0; waited < 10_000 && partFiles.length === 0; waited += 100) {
                partFiles = (await fs.readdir(modelDirectory)).filter((name) => name.endsWith(".part"));
                if (partFiles.length === 0)
                    await new Promise((resolve) => setTimeout(resolve, 100));
            }
            assert.equal(partFiles.length, 1, "the partial download is kept as a part file, never under the final name");
            assert.ok(!(await fs.readdir(modelDirectory)).includes("big-target.gguf"), "a partial file appeared under the final name");
            assert.equal((await client.resolve({ sources, modelDirectory })).paths[0], null);
            server.bytesPerTick = 0;
            const rangesBefore = server.ranges.length;
            const result = await client.download({ sources, modelDirectory });
            assert.ok((await fs.readFile(result.paths[0]!)).equals(bigData));
            const resumed = server.ranges.slice(rangesBefore).filter((range) => range != null && !range.startsWith("bytes=0-"));
            assert.ok(resumed.length > 0, `expected a ranged request from the middle, got ${JSON.stringify(server.ranges.slice(rangesBefore))}`);
        });

        it("a server that ignores ranges gives the whole file from the start; the host process survives", async () => {
            await client.load(loadParams("/models/t.gguf"));
            const pid = client.pid;
            const crashes: CrashInfo[] = [];
            const subscription = client.onDidCrash((crash) => crashes.push(crash));
            const modelDirectory = path.join(root, "dl-no-ranges");
            await fs.mkdir(modelDirectory, { recursive: true });
            // A part file left by an earlier attempt, which this server cannot resume.
            await fs.writeFile(path.join(modelDirectory, "no-ranges.gguf.part"), bigData.subarray(0, 1000));
            const result = await client.download({ sources: [{ uri: `${server.baseUrl}/no-ranges.gguf` }], modelDirectory });
            assert.ok((await fs.readFile(result.paths[0]!)).equals(bigData));
            await new Promise((resolve) => setTimeout(resolve, 300));
            subscription.dispose();
            assert.deepEqual(crashes, []);
            assert.equal(client.pid, pid);
            assert.equal((await client.complete({ prefix: "still here" })).kind, "result");
        });

        it("refuses plain http to non-loopback hosts and says when the server cannot be reached", async () => {
            const modelDirectory = path.join(root, "dl-refused");
            await expectClientError(client.download({ sources: [{ uri: "http://example.com/model.gguf" }], modelDirectory }), "URL_NOT_ALLOWED");
            await expectClientError(client.download({ sources: [{ uri: "file:///etc/passwd" }], modelDirectory }), "URL_NOT_ALLOWED");
            const closed = await startLoopbackModelServer([]);
            const deadUrl = `${closed.baseUrl}/gone.gguf`;
            await closed.close();
            const error = await expectClientError(client.download({ sources: [{ uri: deadUrl }], modelDirectory }), "OFFLINE");
            assert.match(error.message, /cannot be reached/);
        });
    });
});
