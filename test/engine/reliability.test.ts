// Reliability of the engine and its host process (issue 6): hostile model files, a pair too big for
// memory, a storm of cancelled requests through the real engine host, and no network traffic except
// a download the user asked for. Every test prints the figures it checked.
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { isSpeculaError } from "../../src/engine/SpeculaError";
import { SeededRandom } from "../../src/engine/SeededRandom";
import { loadLlama } from "../../src/engine/loadLlama";
import { validateModelFile } from "../../src/engine/modelFile/validateModelFile";
import type { CorruptFixtureName } from "../../src/fixtures/corruptFixtures";
import { EngineClient, type CompleteOutcome } from "../../src/engineHost/EngineClient";
import type { LoadParams } from "../../src/engineHost/protocol";
import { startLoopbackModelServer } from "../support/loopbackModelServer";
import { loadSmallEngine, smallFixtures, variedPrompts } from "../support/engineTestSupport";

const repository = path.resolve(__dirname, "..", "..", "..");
const engineHostScript = path.join(repository, "dist", "engineHost.js");
const hostProbe = path.join(__dirname, "..", "support", "hostProbe.js");
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Offset of the first dimension of tensor `name` in a GGUF header (n_dims u32 is just before it). */
function tensorDimsOffset(bytes: Buffer, name: string): number {
    const encoded = Buffer.from(name, "utf8");
    const needle = Buffer.alloc(8 + encoded.length);
    needle.writeBigUInt64LE(BigInt(encoded.length), 0);
    encoded.copy(needle, 8);
    const at = bytes.indexOf(needle);
    assert.ok(at > 0, `tensor ${name} not found in the header`);
    return at + needle.length + 4;
}

/** Counts llama.loadModel calls of the process's CPU backend (the one `gpu: "off"` engines use). */
async function spyOnLoadModel(): Promise<{ readonly calls: number; restore(): void }> {
    const llama = await loadLlama("off");
    const original = llama.loadModel;
    const spy = { calls: 0, restore: () => { llama.loadModel = original; } };
    llama.loadModel = function (this: typeof llama, ...args: Parameters<typeof original>) {
        spy.calls++;
        return original.apply(this, args);
    };
    return spy;
}

describe("reliability: hostile model files, memory, cancel storm, network", function () {
    this.timeout(180_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-reliability-"));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("rejects every hostile model file with one line naming it, as target and as draft, before llama.cpp sees it", async () => {
        const paths = await smallFixtures();
        const target = fs.readFileSync(paths.smallTarget);
        const variants: Array<[name: string, file: string, expected: RegExp]> = [];
        // Each fixture's own reason: a check that rejects a file for the wrong reason fails here.
        const corruptReasons: Record<CorruptFixtureName, RegExp> = {
            empty: /is empty\./,
            textFile: /is not a GGUF file \(wrong magic bytes\)/,
            badMagic: /is not a GGUF file \(wrong magic bytes\)/,
            badVersion: /unsupported GGUF version 99/,
            truncatedHeader: /is truncated: the header needs/,
            truncatedMetadata: /is truncated: the metadata array/,
            truncatedTensorInfo: /is truncated: the shape of tensor/,
            truncatedTensorData: /is truncated: tensor "[^"]+" needs bytes/,
            absurdTensorCount: /declares 1099511627776 tensors, which is not plausible/,
            wrongTensorDataSize: /is truncated: tensor "output.weight" needs bytes/,
            missingFeedForwardLength: /lacks required keys: llama\.feed_forward_length\./,
            missingHeadCount: /lacks required keys: llama\.attention\.head_count\./,
            missingTokens: /has no tokenizer vocabulary/
        };
        for (const [name, file] of Object.entries(paths.corrupt))
            variants.push([`corrupt fixture ${name}`, file, corruptReasons[name as CorruptFixtureName]]);
        const write = (name: string, data: Uint8Array) => {
            const file = path.join(scratch, `${name}.gguf`);
            fs.writeFileSync(file, data);
            return file;
        };
        const patched = (patch: (copy: Buffer) => void) => {
            const copy = Buffer.from(target);
            patch(copy);
            return copy;
        };
        // Truncated at many offsets: inside the magic, the counts, the metadata, the tensor infos,
        // the alignment padding and the tensor data.
        const { readGgufFileInfo } = await import("node-llama-cpp");
        const info = await readGgufFileInfo(paths.smallTarget, { logWarnings: false });
        const headerEnd = Number(info.infoEndOffset);
        const cuts = [1, 3, 4, 7, 8, 12, 20, 23, 24, 100, 1000, headerEnd - 1, headerEnd + 1, Math.floor(target.length / 2), target.length - 1];
        for (const cut of cuts)
            variants.push([`truncated at ${cut}`, write(`truncated-${cut}`, target.subarray(0, cut)), cut < 4 ? /not a GGUF file/ : /truncated/]);
        const outputDims = tensorDimsOffset(target, "output.weight");
        variants.push(["dimension 2^62", write("dimension-huge", patched((copy) => copy.writeBigUInt64LE(1n << 62n, outputDims + 8))), /invalid dimension/]);
        variants.push(["dimension 0", write("dimension-zero", patched((copy) => copy.writeBigUInt64LE(0n, outputDims + 8))), /invalid dimension/]);
        variants.push(["dimensions needing 100 000× the data", write("dimension-large", patched((copy) => copy.writeBigUInt64LE(copy.readBigUInt64LE(outputDims + 8) * 100_000n, outputDims + 8))), /needs bytes/]);
        variants.push(["1 000 dimensions", write("dimension-count", patched((copy) => copy.writeUInt32LE(1000, outputDims - 4))), /tensor "output.weight" has 1000 dimensions \(1 to 4 allowed\)/]);
        variants.push(["tensor data offset past the end", write("offset-past-end", patched((copy) => copy.writeBigUInt64LE(1n << 40n, outputDims + 8 * 2 + 4))), /needs bytes|corrupt/]);
        variants.push(["absurd metadata count", write("kv-count", patched((copy) => copy.writeBigUInt64LE(1n << 50n, 16))), /corrupt|truncated/]);
        variants.push(["random bytes with a GGUF magic", write("random", Buffer.concat([Buffer.from("GGUF\x03\0\0\0", "latin1"), Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 2654435761) >>> 24))])), /is corrupt: it declares \d+ tensors, which is not plausible/]);
        // Not files at all.
        const directory = path.join(scratch, "a-directory.gguf");
        fs.mkdirSync(directory);
        variants.push(["a directory", directory, /is a directory/]);
        variants.push(["a path that does not exist", path.join(scratch, "missing.gguf"), /does not exist/]);
        variants.push(["a path under a regular file", path.join(paths.smallTarget, "model.gguf"), /does not exist/]);
        const fifo = path.join(scratch, "pipe.gguf");
        execFileSync("mkfifo", [fifo]);
        variants.push(["a named pipe (reading it would block forever)", fifo, /not a regular file/]);
        variants.push(["a character device (endless zeros)", "/dev/zero", /not a regular file/]);
        const loop = path.join(scratch, "loop.gguf");
        fs.symlinkSync(path.join(scratch, "loop2.gguf"), loop);
        fs.symlinkSync(loop, path.join(scratch, "loop2.gguf"));
        variants.push(["a symlink loop", loop, /cannot be read \(ELOOP\)/]);

        const spy = await spyOnLoadModel();
        try {
            for (const [name, file, expected] of variants) {
                await assert.rejects(validateModelFile(file, "target model"), (error: unknown) => {
                    assert.ok(isSpeculaError(error), `${name}: not a SpeculaError: ${String(error)}`);
                    assert.ok(error.message.includes(file), `${name}: message does not name the file: ${error.message}`);
                    assert.ok(!error.message.includes("\n"), `${name}: message is not one line`);
                    assert.match(error.message, expected, `${name}: ${error.message}`);
                    return true;
                });
                for (const role of ["target", "draft"] as const) {
                    const options = role === "target"
                        ? { targetPath: file, draftPath: paths.smallDraft }
                        : { targetPath: paths.smallTarget, draftPath: file };
                    await assert.rejects(SpeculativeEngine.load({ ...options, gpu: "off", threads: 1, contextSize: 1024 }), (error: unknown) => {
                        assert.ok(isSpeculaError(error) && error.message.includes(file) && error.message.includes(`${role} model`), `${name} as ${role}: ${String(error)}`);
                        return true;
                    });
                }
            }
            assert.equal(spy.calls, 0, "llama.cpp was asked to load a hostile file");
        } finally {
            spy.restore();
        }
        console.log(`      ${variants.length} hostile files rejected as target and as draft (${variants.length * 3} checks), llama.cpp loadModel calls: ${spy.calls}`);
        assert.ok(variants.length >= 40);
    });

    it("a file without read permission is named, with EACCES (checked as an unprivileged user when run as root)", async () => {
        const locked = path.join(scratch, "locked", "model.gguf");
        fs.mkdirSync(path.dirname(locked), { recursive: true });
        fs.copyFileSync((await smallFixtures()).smallDraft, locked);
        fs.chmodSync(locked, 0);
        if (process.getuid?.() !== 0) {
            await assert.rejects(validateModelFile(locked), /cannot be read \(EACCES\)/);
            console.log("      unreadable file: EACCES reported (as the current user)");
            return;
        }
        // root reads any file regardless of its mode, so run the check as "nobody" (uid 65534).
        fs.chmodSync(scratch, 0o755);
        fs.chmodSync(path.dirname(locked), 0o755);
        // The checkout may sit where that user cannot go (a clone under `mktemp -d`, mode 700): it runs
        // a copy of the compiled modules (the engine's and the shared ones it imports) from the scratch folder.
        const sourceCopy = path.join(scratch, "src");
        for (const folder of ["engine", "common"])
            fs.cpSync(path.join(repository, "out", "src", folder), path.join(sourceCopy, folder), { recursive: true });
        const validator = path.join(sourceCopy, "engine", "modelFile", "validateModelFile.js");
        const script = `require(${JSON.stringify(validator)}).validateModelFile(process.argv[1], "target model")`
            + ".then(() => console.log('{\"accepted\":true}'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))";
        const child = spawnSync(process.execPath, ["-e", script, locked], { uid: 65534, gid: 65534, encoding: "utf8", timeout: 60_000, cwd: "/" });
        assert.equal(child.status, 0, child.stderr);
        const result = JSON.parse(child.stdout.trim()) as { code?: string; message?: string; accepted?: boolean };
        assert.equal(result.code, "FILE_UNREADABLE", child.stdout);
        assert.match(result.message!, /cannot be read \(EACCES\)/);
        assert.ok(result.message!.includes(locked));
        // Control: the same user can read the file once it is readable.
        fs.chmodSync(locked, 0o644);
        const readable = spawnSync(process.execPath, ["-e", script, locked], { uid: 65534, gid: 65534, encoding: "utf8", timeout: 60_000, cwd: "/" });
        assert.doesNotMatch(readable.stdout, /EACCES/, "the unprivileged user can read a readable file");
        console.log(`      unreadable file: ${result.code} (as uid 65534): ${result.message}`);
    });

    it("refuses a pair too big for this machine's memory before llama.cpp opens it, with the numbers", async () => {
        const paths = await smallFixtures();
        const bytes = Buffer.from(fs.readFileSync(paths.smallTarget));
        // Declare an output matrix of ~2.5× this machine's RAM and back it with a sparse file, so
        // every size check passes without using the disk.
        const outputDims = tensorDimsOffset(bytes, "output.weight");
        const rows = Number(bytes.readBigUInt64LE(outputDims));
        const columns = Math.ceil((os.totalmem() * 2.5) / (rows * 4));
        bytes.writeBigUInt64LE(BigInt(columns), outputDims + 8);
        const huge = path.join(scratch, "too-big-for-memory.gguf");
        fs.writeFileSync(huge, bytes);
        const { readGgufFileInfo } = await import("node-llama-cpp");
        const info = await readGgufFileInfo(huge, { logWarnings: false });
        const last = info.tensorInfo!.at(-1)!;
        fs.truncateSync(huge, Number(last.fileOffset) + rows * columns * 4);
        const stat = fs.statSync(huge);
        await validateModelFile(huge); // the file itself is well-formed: only memory rules it out

        const spy = await spyOnLoadModel();
        const started = performance.now();
        try {
            await assert.rejects(SpeculativeEngine.load({ targetPath: huge, draftPath: paths.smallDraft, gpu: "off", threads: 1, contextSize: 2048 }), (error: unknown) => {
                assert.ok(isSpeculaError(error), String(error));
                assert.equal(error.code, "INSUFFICIENT_MEMORY", error.message);
                const numbers = /needs about ([\d.]+) GiB of RAM.* has ([\d.]+) GiB/.exec(error.message);
                assert.ok(numbers != null, `no numbers in: ${error.message}`);
                assert.ok(Number(numbers[1]) > Number(numbers[2]));
                assert.ok(Math.abs(Number(numbers[2]) - os.totalmem() / 2 ** 30) < 0.1, "the machine's RAM is stated");
                assert.ok(error.message.includes(path.basename(huge)), "names the file");
                console.log(`      ${error.message}`);
                return true;
            });
        } finally {
            spy.restore();
        }
        const elapsed = performance.now() - started;
        assert.equal(spy.calls, 0, "llama.cpp loadModel was called");
        console.log(`      declared ${(stat.size / 2 ** 30).toFixed(1)} GiB (sparse: ${mib(stat.blocks * 512)} on disk), refused in ${elapsed.toFixed(0)} ms, loadModel calls: ${spy.calls}`);
        // Control: the real pair passes the same check.
        const engine = await loadSmallEngine({ contextSize: 1024 });
        await engine.dispose();
    });

    describe("the real engine host process", () => {
        let client: EngineClient;
        let reference: SpeculativeEngine;
        const networkLog = path.join(scratch, "network.jsonl");
        const memoryProbe = path.join(scratch, "host-memory.json");
        const hostLogs: string[] = [];
        let loadParams: LoadParams;

        const networkAttempts = () => fs.existsSync(networkLog)
            ? fs.readFileSync(networkLog, "utf8").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as { pid: number; kind: string; target: string })
            : [];

        /** Heap after a full GC and RSS of the host process, read through the preloaded probe. */
        async function hostMemory(): Promise<{ heapUsed: number; rss: number }> {
            fs.rmSync(memoryProbe, { force: true });
            process.kill(client.pid!, "SIGUSR2");
            for (let waited = 0; !fs.existsSync(memoryProbe); waited += 20) {
                assert.ok(waited < 10_000, "the host did not answer the memory probe");
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
            return JSON.parse(fs.readFileSync(memoryProbe, "utf8")) as { heapUsed: number; rss: number };
        }

        function localMemory(): { heapUsed: number; rss: number } {
            gc();
            return process.memoryUsage();
        }

        before(async () => {
            const paths = await smallFixtures();
            assert.ok(fs.existsSync(engineHostScript), `${engineHostScript} is missing: run node scripts/build.mjs`);
            client = new EngineClient({
                hostScript: engineHostScript,
                log: (level, message) => hostLogs.push(`${level}: ${message}`),
                env: {
                    ...process.env,
                    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc --require ${hostProbe}`.trim(),
                    SPECULA_NETWORK_LOG: networkLog,
                    SPECULA_MEMORY_PROBE: memoryProbe
                }
            });
            loadParams = {
                target: { uri: paths.smallTarget },
                draft: { uri: paths.smallDraft },
                modelDirectory: path.join(scratch, "models"),
                fixtureDirectory: path.join(scratch, "fixtures"),
                options: { gpu: "off", threads: 1, contextSize: 2048, draftConfidence: 0 }
            };
            await client.load(loadParams);
            reference = await loadSmallEngine({ draftPath: undefined });
        });
        after(async () => {
            await client?.dispose();
            await reference?.dispose();
        });

        it("survives 1 000 requests cancelled at random points: still exact, memory back near its start", async () => {
            const random = new SeededRandom(2024);
            const prompts = variedPrompts(40);
            const pid = client.pid;
            const outcomes = new Map<string, number>();
            const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
            let neverCancelled = 0;
            const wave = async (size: number) => {
                const pending: Array<Promise<CompleteOutcome>> = [];
                const cancelled: boolean[] = [];
                for (let index = 0; index < size; index++) {
                    const prompt = prompts[Math.floor(random.next() * prompts.length)]!;
                    const abort = new AbortController();
                    const when = random.next();
                    if (when < 0.1)
                        abort.abort(); // cancelled before it was sent
                    pending.push(client.complete({ ...prompt, maxTokens: 1 + Math.floor(random.next() * 48) }, abort.signal));
                    cancelled.push(when < 0.95);
                    if (when < 0.1)
                        continue;
                    if (when < 0.3)
                        queueMicrotask(() => abort.abort()); // right after sending
                    else if (when < 0.55)
                        setImmediate(() => abort.abort());
                    else if (when < 0.95)
                        setTimeout(() => abort.abort(), random.next() * 20); // queued, prefilling or generating
                    // else: never cancelled, runs to the end
                }
                for (const [index, outcome] of (await Promise.all(pending)).entries()) {
                    if (!cancelled[index]) {
                        neverCancelled++;
                        // Another request's cancel must not stop this one.
                        if (outcome.kind === "result" && outcome.result.stopReason === "aborted")
                            count("aborted without being cancelled");
                    }
                    if (outcome.kind === "result")
                        count(outcome.result.stopReason === "aborted" ? "aborted" : "finished");
                    else
                        count(outcome.kind === "error" ? `error ${outcome.error.code}: ${outcome.error.message}` : outcome.kind);
                }
            };

            await wave(100); // warm-up: allocations that stay (JIT, pools) happen before the baseline
            outcomes.clear();
            neverCancelled = 0;
            const hostBefore = await hostMemory();
            const localBefore = localMemory();
            const started = performance.now();
            const waves = 40;
            for (let index = 0; index < waves; index++)
                await wave(25);
            const stormMs = performance.now() - started;
            const hostAfter = await hostMemory();
            const localAfter = localMemory();

            const fired = [...outcomes.values()].reduce((sum, value) => sum + value, 0);
            console.log(`      ${fired} requests in ${(stormMs / 1000).toFixed(1)} s: ${JSON.stringify(Object.fromEntries(outcomes))}`);
            console.log(`      engine host heap ${mib(hostBefore.heapUsed)} → ${mib(hostAfter.heapUsed)}, RSS ${mib(hostBefore.rss)} → ${mib(hostAfter.rss)}; extension side heap ${mib(localBefore.heapUsed)} → ${mib(localAfter.heapUsed)}`);
            assert.deepEqual([...outcomes.keys()].filter((key) => key !== "aborted" && key !== "finished"), [], "every request resolved as a result");
            assert.ok(neverCancelled > 0 && (outcomes.get("finished") ?? 0) >= neverCancelled, `${outcomes.get("finished") ?? 0} finished, ${neverCancelled} were never cancelled`);
            assert.ok((outcomes.get("aborted") ?? 0) >= 500, "most requests were cut short");
            assert.equal(client.pid, pid, "the engine host never restarted");
            assert.ok(hostAfter.heapUsed - hostBefore.heapUsed < 8 * 2 ** 20, "engine host heap grew by more than 8 MiB");
            assert.ok(hostAfter.rss - hostBefore.rss < 64 * 2 ** 20, "engine host RSS grew by more than 64 MiB");
            assert.ok(localAfter.heapUsed - localBefore.heapUsed < 8 * 2 ** 20, "client heap grew by more than 8 MiB");

            // Exactness afterwards: the storm left no stale KV state behind.
            let equal = 0;
            for (const prompt of variedPrompts(16)) {
                const outcome = await client.complete({ ...prompt, maxTokens: 32 });
                assert.ok(outcome.kind === "result", JSON.stringify(outcome));
                await reference.clearCache();
                const expected = await reference.complete({ ...prompt, maxTokens: 32 });
                assert.deepEqual(outcome.result.tokens, expected.tokens, `after the storm: ${JSON.stringify(prompt)}`);
                assert.ok(outcome.result.speculative);
                equal++;
            }
            console.log(`      after the storm: ${equal} of 16 speculative completions equal target-alone`);
        });

        it("opens no network connection except for a download the user asked for, and sends no telemetry", async () => {
            const paths = await smallFixtures();
            // Load (again), complete, read stats and resolve remote sources: all offline.
            await client.load({ ...loadParams, options: { ...loadParams.options, contextSize: 1024 } });
            for (const prompt of variedPrompts(10))
                assert.equal((await client.complete({ ...prompt, maxTokens: 16 })).kind, "result");
            await client.stats();
            await client.setDecodingOptions({ speculative: false });
            await client.complete({ prefix: "export function ", maxTokens: 8 });
            await client.setDecodingOptions({ speculative: true });
            const resolved = await client.resolve({
                sources: [{ uri: "hf:someone/some-model-GGUF/model-Q4_K_M.gguf" }, { uri: "https://example.com/models/target.gguf" }],
                modelDirectory: path.join(scratch, "models")
            });
            assert.deepEqual(resolved.paths, [null, null]);
            const hostPids = new Set([client.pid]);
            const quiet = networkAttempts();
            assert.deepEqual(quiet, [], "network attempts while loading, completing and resolving");

            // Control: the recorder does see traffic — the user-requested download over loopback.
            const server = await startLoopbackModelServer([{ name: "requested.gguf", data: fs.readFileSync(paths.smallDraft) }]);
            try {
                const downloaded = await client.download({ sources: [{ uri: `${server.baseUrl}/requested.gguf` }], modelDirectory: path.join(scratch, "models") });
                assert.equal(downloaded.paths.length, 1);
            } finally {
                await server.close();
            }
            const attempts = networkAttempts();
            const port = new URL(server.baseUrl).port;
            assert.ok(attempts.length > 0, "the recorder saw the download (it can see traffic)");
            for (const attempt of attempts) {
                assert.ok(hostPids.has(attempt.pid), `attempt from an unexpected process: ${JSON.stringify(attempt)}`);
                assert.ok(attempt.kind === "tcp" && attempt.target.endsWith(`:${port}`) && /^(127\.0\.0\.1|localhost|::1)/.test(attempt.target), `unexpected connection: ${JSON.stringify(attempt)}`);
            }
            console.log(`      network attempts: ${quiet.length} while loading twice, completing ${12} times and resolving 2 remote sources; ${attempts.length} during the requested download, all to ${server.baseUrl}`);
        });
    });
});
