import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LlamaServerPeer, llamaServerArgs, nativeRunResult, processCpuMs } from "../../../src/bench/LlamaServerPeer";
import { parseTokenCompletion } from "../../../src/llamaServer/llamaServerProtocol";

/** A stand-in for llama-server: answers /health (not ready for the first few polls) and /completion, and logs each request body to a file. */
const fakeServerSource = `
const http = require("node:http");
const fs = require("node:fs");
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf(name) + 1];
const log = arg("--fake-log");
fs.writeFileSync(log + ".args", JSON.stringify(args));
let healthPolls = 0;
http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => body += chunk);
    request.on("end", () => {
        if (request.url === "/health") {
            healthPolls++;
            if (healthPolls < 3) { response.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"Loading model"}}'); return; }
            response.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
            return;
        }
        const request_ = JSON.parse(body);
        fs.appendFileSync(log, JSON.stringify(request_) + "\\n");
        const prime = request_.n_predict === 0;
        const answer = prime
            ? { tokens: [5], stop_type: "limit", timings: { prompt_n: request_.prompt.length, prompt_ms: 30, predicted_n: 1, predicted_ms: 0 } }
            : { tokens: [request_.prompt.length, 7, 8, 99], stop_type: "eos", timings: { prompt_n: 1, prompt_ms: 20, predicted_n: 4, predicted_ms: 60, draft_n: 5, draft_n_accepted: 3 } };
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
}).listen(Number(arg("--port")), arg("--host"));
`;

function writeExecutable(dir: string, name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    fs.chmodSync(file, 0o755);
    return file;
}

describe("bench: llama-server peer", () => {
    const base = { targetPath: "/m/target.gguf", draftPath: "/m/draft.gguf", contextSize: 2048, threads: 1 };

    it("starts each mode with the bench's threads and context, flash attention off, and only that mode's speculative types", () => {
        const plain = llamaServerArgs({ ...base, mode: "plain" }, 4242);
        const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
        assert.equal(valueOf(plain, "--port"), "4242");
        assert.equal(valueOf(plain, "--host"), "127.0.0.1");
        assert.equal(valueOf(plain, "--ctx-size"), "2048");
        assert.equal(valueOf(plain, "--threads"), "1");
        assert.equal(valueOf(plain, "--threads-batch"), "1");
        assert.equal(valueOf(plain, "--flash-attn"), "off");
        assert.equal(valueOf(plain, "--parallel"), "1");
        assert.ok(plain.includes("--no-webui"));
        assert.ok(!plain.includes("--spec-type") && !plain.includes("--model-draft"));

        const ngram = llamaServerArgs({ ...base, mode: "ngram" }, 1);
        assert.equal(valueOf(ngram, "--spec-type"), "ngram-mod");
        assert.ok(!ngram.includes("--model-draft"));

        const draft = llamaServerArgs({ ...base, mode: "draft" }, 1);
        assert.equal(valueOf(draft, "--spec-type"), "draft-simple");
        assert.equal(valueOf(draft, "--model-draft"), "/m/draft.gguf");
        assert.equal(valueOf(draft, "--threads-draft"), "1");

        const both = llamaServerArgs({ ...base, mode: "draft+ngram", extraArgs: ["--spec-draft-n-max", "8"] }, 1);
        assert.equal(valueOf(both, "--spec-type"), "draft-simple,ngram-mod");
        assert.deepEqual(both.slice(-2), ["--spec-draft-n-max", "8"]);

        assert.throws(() => llamaServerArgs({ ...base, draftPath: undefined, mode: "draft" }, 1), /needs a draft model/);
    });

    it("reads tokens and timings, drops the end-of-generation token, and adds the last prompt token's eval to decode time", () => {
        const prime = parseTokenCompletion({ tokens: [9], stop_type: "limit", timings: { prompt_n: 99, prompt_ms: 700, predicted_n: 1, predicted_ms: 0 } });
        const measured = parseTokenCompletion({ tokens: [4, 5, 2], stop_type: "eos", timings: { prompt_n: 1, prompt_ms: 25, predicted_n: 3, predicted_ms: 50, draft_n: 6, draft_n_accepted: 4 } });
        const result = nativeRunResult(prime, measured);
        assert.deepEqual(result.tokens, [4, 5]);
        assert.equal(result.decodeMs, 75);
        assert.equal(result.promptMs, 700);
        assert.equal(result.promptEvaluated, 1);
        assert.equal(result.draftedTokens, 6);
        assert.equal(result.acceptedTokens, 4);

        const limit = nativeRunResult(prime, parseTokenCompletion({ tokens: [4, 5, 2], stop_type: "limit", timings: { prompt_n: 2, prompt_ms: 30, predicted_n: 3, predicted_ms: 50 } }));
        assert.deepEqual(limit.tokens, [4, 5, 2], "a stop at the token limit keeps every token");
        assert.equal(limit.decodeMs, 65);
        assert.equal(limit.draftedTokens, 0);
    });

    describe("against a fake server process", function () {
        this.timeout(30_000);
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "specula-fake-llama-server-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("waits for /health, primes with all but the last prompt token, then measures the whole prompt", async () => {
            const script = path.join(dir, "server.js");
            fs.writeFileSync(script, fakeServerSource);
            const binary = writeExecutable(dir, "llama-server", `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
            const log = path.join(dir, "requests.jsonl");
            const server = await LlamaServerPeer.start({ ...base, binary, mode: "ngram", extraArgs: ["--fake-log", log] });
            try {
                const args: string[] = JSON.parse(fs.readFileSync(`${log}.args`, "utf8"));
                assert.equal(args[args.indexOf("--spec-type") + 1], "ngram-mod", "the process got the mode's flags");
                const result = await server.run([11, 12, 13, 14], 3);
                const requests = fs.readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line));
                assert.equal(requests.length, 2);
                assert.deepEqual(requests[0].prompt, [11, 12, 13]);
                assert.equal(requests[0].n_predict, 0);
                assert.deepEqual(requests[1].prompt, [11, 12, 13, 14]);
                assert.equal(requests[1].n_predict, 3);
                assert.deepEqual(result.tokens, [4, 7, 8]);
                assert.equal(result.decodeMs, 80);
                assert.equal(result.promptMs, 30);
                assert.equal(result.acceptedTokens, 3);
            } finally {
                await server.dispose();
            }
            await server.dispose(); // a second dispose is a no-op
        });

        it("reports a server that exits before it is ready, with its last output", async () => {
            const binary = writeExecutable(dir, "broken-server", "#!/bin/sh\necho 'error: failed to load model' >&2\nexit 3\n");
            await assert.rejects(LlamaServerPeer.start({ ...base, binary, mode: "plain" }), /exited \(code 3\)[\s\S]*failed to load model/);
        });

        it("reports a binary that cannot be started", async () => {
            await assert.rejects(LlamaServerPeer.start({ ...base, binary: path.join(dir, "missing"), mode: "plain", startTimeoutMs: 5000 }), /could not start llama-server|exited/);
        });
    });

    it("processCpuMs: a process's CPU time summed over its threads, undefined where it cannot be read", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "specula-proc-"));
        try {
            for (const [task, line] of [["100", "2500000000 300 12\n"], ["101", "1250000 7 1\n"]]) {
                fs.mkdirSync(path.join(root, "100", "task", task), { recursive: true });
                fs.writeFileSync(path.join(root, "100", "task", task, "schedstat"), line);
            }
            assert.equal(processCpuMs(100, root), 2501.25);
            assert.equal(processCpuMs(200, root), undefined);
            assert.equal(processCpuMs(undefined, root), undefined);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
        // This process, on Linux: its CPU time so far, within what Node itself reports.
        if (process.platform === "linux") {
            const own = processCpuMs(process.pid)!;
            const usage = process.cpuUsage();
            assert.ok(Math.abs(own - (usage.user + usage.system) / 1000) < 200, `${own} vs ${(usage.user + usage.system) / 1000}`);
        }
    });
});
