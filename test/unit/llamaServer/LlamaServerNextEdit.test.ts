// Next-edit requests to a llama.cpp server (fake server on loopback): the prompt goes as text to
// /completion, greedy, with the end markers as stop strings; the answer goes through the same
// output → edit parsing and drop rules as the local engine's; a server that cannot answer fails
// the request with one line; an abort closes the request.
import * as assert from "node:assert/strict";
import { NextEditSession } from "../../../src/nextEdit/NextEditSession";
import { LlamaServerNextEdit, nextEditStopWords } from "../../../src/llamaServer/LlamaServerNextEdit";
import { startFakeLlamaServer, type FakeLlamaServer, type FakeLlamaServerBehaviour } from "../../support/fakeLlamaServer";

const before = ["def total(items):", "    count = 0", "    for item in items:", "        count += item", "    return count", ""].join("\n");
const after = before.replace("    count = 0", "    amount = 0");
/** The window the model rewrites (the whole short document, each line ending in "\n"), with the rename carried through. */
const renamed = `${before.replace(/count/g, "amount")}\n`;

function apply(text: string, edit: { start: number; end: number; text: string }): string {
    return text.slice(0, edit.start) + edit.text + text.slice(edit.end);
}

describe("next-edit requests to a llama.cpp server (fake server on loopback)", function () {
    this.timeout(20_000);
    let server: FakeLlamaServer | undefined;

    afterEach(async () => {
        await server?.close();
        server = undefined;
    });

    async function predict(behaviour: Partial<FakeLlamaServerBehaviour>, options: { apiKey?: string; signal?: AbortSignal; maxTokens?: number } = {}) {
        server = await startFakeLlamaServer(behaviour);
        const backend = new LlamaServerNextEdit({ url: server.url, urlSource: "default", timeoutMs: 2000, ...(options.apiKey != null ? { apiKey: options.apiKey } : {}) });
        const session = new NextEditSession(backend, options.maxTokens != null ? { maxTokens: options.maxTokens } : {});
        session.documentChanged("t.py", before, after);
        return session.predict("t.py", after, 1, options.signal);
    }

    it("sends the prompt as text, greedy, stopping at the end markers, and offers the rewrite as one edit", async () => {
        const prediction = (await predict({ text: renamed }, { apiKey: "k-123" }))!;
        const requests = server!.requestsTo("/completion");
        assert.equal(requests.length, 1);
        assert.deepEqual(requests[0]!.body, {
            prompt: prediction.prompt.prompt,
            n_predict: 256,
            stream: true,
            cache_prompt: true,
            temperature: 0,
            samplers: ["top_k"],
            top_k: 1,
            stop: ["<|file_sep|>", "<|endoftext|>"]
        });
        assert.deepEqual(nextEditStopWords, ["<|file_sep|>", "<|endoftext|>"]);
        assert.equal(requests[0]!.authorization, "Bearer k-123");
        assert.ok(prediction.prompt.prompt.endsWith("<|file_sep|>updated/t.py:1:6\n"), prediction.prompt.prompt);
        assert.equal(prediction.outcome.kind, "edit", JSON.stringify(prediction.outcome));
        const edit = prediction.outcome.kind === "edit" ? prediction.outcome.edit : { start: 0, end: 0, text: "" };
        assert.equal(apply(after, edit), before.replace(/count/g, "amount"));
    });

    it("offers nothing for an unchanged window", async () => {
        const prediction = (await predict({ text: `${after}\n` }))!;
        assert.deepEqual(prediction.outcome, { kind: "none", reason: "noChange" });
    });

    it("offers nothing from a window cut off by n_predict", async () => {
        const prediction = (await predict({ text: renamed }, { maxTokens: 20 }))!;
        assert.equal((server!.requestsTo("/completion")[0]!.body as { n_predict: number }).n_predict, 20);
        assert.deepEqual(prediction.outcome, { kind: "none", reason: "unparseable" });
    });

    it("offers nothing when the model spells out an end marker (the stop string is kept for the drop rules)", async () => {
        const prediction = (await predict({ text: `${renamed}<|file_sep|>other.py\nmore text\n` }))!;
        assert.deepEqual(prediction.outcome, { kind: "none", reason: "unparseable" });
        const sent = server!.requestsTo("/completion")[0]!.eventsSent;
        assert.equal(sent, [...renamed].length + 1, "the server stopped at the stop string");
    });

    it("drops a rewrite that deletes most of the window", async () => {
        const prediction = (await predict({ text: "def total(items):\n\n" }))!;
        assert.deepEqual(prediction.outcome, { kind: "none", reason: "deletesMost" });
    });

    it("fails with one line when the server is loading, refuses the key, or errs", async () => {
        await assert.rejects(predict({ loading: true }), (error: Error) => {
            assert.match(error.message, /^llama-server at 127\.0\.0\.1:\d+: the server is not ready \(HTTP 503: Loading model\)$/);
            return true;
        });
        await server?.close();
        await assert.rejects(predict({ apiKey: "right" }, { apiKey: "wrong" }), /^Error: llama-server at 127\.0\.0\.1:\d+: the server refused the API key \(HTTP 401/);
        await server?.close();
        await assert.rejects(predict({ completion: "dieMidStream" }), /^Error: llama-server at 127\.0\.0\.1:\d+: the connection to .* dropped/);
    });

    it("fails with one line when nothing listens, or the address is not usable", async () => {
        const closed = await startFakeLlamaServer();
        await closed.close();
        const session = (url: string) => {
            const value = new NextEditSession(new LlamaServerNextEdit({ url, urlSource: "default", timeoutMs: 2000 }));
            value.documentChanged("t.py", before, after);
            return value;
        };
        await assert.rejects(session(closed.url).predict("t.py", after, 1), /^Error: llama-server at 127\.0\.0\.1:\d+: nothing answers at .* \(connection refused\): is llama-server running\?$/);
        await assert.rejects(session("ftp://127.0.0.1:1").predict("t.py", after, 1), /must start with https:\/\//);
    });

    it("rejects with the signal's reason and closes the request when aborted", async () => {
        const abort = new AbortController();
        const pending = predict({ text: renamed, eventDelayMs: 20 }, { signal: abort.signal });
        while (server == null || server.requestsTo("/completion").length === 0 || server.requestsTo("/completion")[0]!.eventsSent < 2)
            await new Promise((resolve) => setTimeout(resolve, 5));
        abort.abort(new Error("typed on"));
        await assert.rejects(pending, /typed on/);
        const request = server.requestsTo("/completion")[0]!;
        while (!request.closedEarly)
            await new Promise((resolve) => setTimeout(resolve, 5));
        assert.ok(request.eventsSent < [...renamed].length, `${request.eventsSent} events sent`);
    });
});
