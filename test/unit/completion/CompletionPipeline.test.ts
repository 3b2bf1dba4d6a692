import * as assert from "node:assert/strict";
import type { BackendRequest } from "../../../src/completion/CompletionBackend";
import { CompletionPipeline, type PipelineOutcome, type PipelineSettings } from "../../../src/completion/CompletionPipeline";
import { Debouncer } from "../../../src/completion/Debouncer";
import { stringDocument } from "../../../src/completion/DocumentView";
import { FakeBackend, type FakeBackendOptions } from "../../support/fakeBackend";

const uri = "file:///work/sample.js";
const block = "    const sum = a + b;\n    return sum;";
/** The document: a function whose body the model writes; its closing brace is already there. */
const head = "function add(a, b) {\n";
const tail = "\n}\n";

/** Answers the function head with a two-line body (then runs on past the block), the body's end with a comment line. */
function respond(request: BackendRequest): string {
    if (request.prefix.endsWith(head))
        return block + "\n}\n\nfunction next() {\n";
    if (request.prefix.endsWith(block))
        return "\n    // done\n";
    return "value;\n";
}

const baseSettings: PipelineSettings = {
    maxTokens: 64, maxLines: 8, temperature: 0, contextSize: 2048, latencyBudgetMs: 10_000, prefetch: true, logPrompts: false
};

/** An editor over a string: typing and accepting change the text and move the cursor, as VS Code would. */
class Editor {
    public constructor(public text: string, public offset = text.length) {}

    public type(chars: string, pipeline?: CompletionPipeline): void {
        this.text = this.text.slice(0, this.offset) + chars + this.text.slice(this.offset);
        this.offset += chars.length;
        pipeline?.recordKeystroke();
    }

    public input(trigger: "automatic" | "explicit" = "automatic") {
        return { document: stringDocument(uri, this.text), offset: this.offset, trigger };
    }
}

function make(options: Partial<FakeBackendOptions> = {}, settings: Partial<PipelineSettings> = {}, debounceMs = 0) {
    const backend = new FakeBackend({ respond, ...options });
    const improved: Array<{ uri: string; offset: number }> = [];
    const done: string[] = [];
    const pipeline = new CompletionPipeline({
        backend,
        settings: () => ({ ...baseSettings, ...settings }),
        debouncer: new Debouncer({ minMs: debounceMs, maxMs: debounceMs, initialMs: debounceMs }),
        events: {
            onImproved: (at, offset) => improved.push({ uri: at, offset }),
            onGenerationDone: (_stats, _speculative, purpose) => done.push(purpose)
        }
    });
    return { backend, pipeline, improved, done };
}

function suggestion(outcome: PipelineOutcome): Extract<PipelineOutcome, { kind: "suggestion" }> {
    assert.equal(outcome.kind, "suggestion", JSON.stringify(outcome));
    return outcome as Extract<PipelineOutcome, { kind: "suggestion" }>;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline)
            throw new Error("condition not met in time");
        await new Promise((resolve) => setTimeout(resolve, 2));
    }
}

describe("CompletionPipeline", () => {
    it("shows the first line as soon as it is complete, while the block is still decoding", async () => {
        const { backend, pipeline } = make({ chunkChars: 2, chunkMs: 15 });
        const editor = new Editor(head + tail, head.length);
        const first = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(first.text, "    const sum = a + b;");
        assert.equal(first.piece, "lines");
        assert.equal(first.source, "new");
        assert.equal(backend.generating[0]!.finished, false, "the block was still decoding when its first line was shown");
    });

    it("serves the rest of the block at once when the first line is accepted, from the same generation", async () => {
        const { backend, pipeline } = make({ chunkChars: 2, chunkMs: 5 });
        const editor = new Editor(head + tail, head.length);
        const first = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        editor.type(first.text, pipeline);
        const rest = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(rest.text, "\n    return sum;");
        assert.equal(rest.source, "live");
        // The only other generation is the prefetch for the text after the whole block.
        assert.deepEqual(backend.generating.slice(1).map((entry) => entry.request.prefix), backend.generating.length > 1 ? [head + block] : []);
    });

    it("offers the whole block at the same place once it is done (the provider asks again)", async () => {
        const { pipeline, improved } = make({ chunkChars: 2, chunkMs: 5 });
        const editor = new Editor(head + tail, head.length);
        await pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => improved.length > 0);
        assert.deepEqual(improved[0], { uri, offset: editor.offset });
        const again = suggestion(await pipeline.provide(editor.input("explicit"), new AbortController().signal));
        assert.equal(again.text, block);
        assert.equal(again.piece, "block");
    });

    it("keeps the generation when the user types along with it, and aborts it when the user types something else", async () => {
        const { backend, pipeline } = make({ chunkChars: 1, chunkMs: 20 });
        const editor = new Editor(head + tail, head.length);
        const pending = pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => backend.generating.length === 1);
        editor.type("    c", pipeline);
        const along = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(along.text, "onst sum = a + b;");
        assert.equal(along.source, "live");
        await pending;
        editor.type("x", pipeline);
        const other = await pipeline.provide(editor.input(), new AbortController().signal);
        assert.equal(backend.generating.length, 2, "typing something else starts a new generation");
        assert.equal(backend.generating[0]!.aborted, true, "the generation that cannot serve the new text was aborted");
        assert.equal(suggestion(other).source, "new");
    });

    it("prefetches the suggestion after the block; accepting the block finds it ready without a new request", async () => {
        const { backend, pipeline, done } = make({ chunkChars: 8, chunkMs: 1 });
        const editor = new Editor(head + tail, head.length);
        await pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => done.includes("prefetch"));
        const prefetch = backend.generating[1]!;
        assert.equal(prefetch.request.prefix, head + block, "the prefetch's prompt is the request's plus the accepted block");
        assert.equal(prefetch.request.suffix, backend.generating[0]!.request.suffix);
        assert.equal(prefetch.request.middleChars, backend.generating[0]!.request.middleChars! + block.length);
        editor.type(block, pipeline);
        const next = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(next.source, "prefetch");
        assert.equal(next.text, "\n    // done");
        // Showing the prefetch started the one after it; nothing else was asked of the backend.
        await pipeline.whenIdle();
        assert.deepEqual(backend.generating.slice(2).map((entry) => entry.request.prefix), [head + block + "\n    // done"]);
    });

    it("aborts a prefetch that the user types past", async () => {
        const { backend, pipeline } = make({ chunkChars: 1, chunkMs: 10, respond: (request) => request.prefix.endsWith("x = ") ? "1;" : "abcdefghijklmnopqrstuvwxyz".repeat(4) });
        const editor = new Editor("let x = ");
        await pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => backend.generating.length === 2 && !backend.generating[1]!.finished);
        editor.type("2;", pipeline);
        await pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => backend.generating[1]!.finished);
        assert.equal(backend.generating[1]!.aborted, true);
    });

    it("shows the first line up to its last whole word when the latency budget runs out, then offers the complete line", async () => {
        const longLine = "const total = items.reduce((sum, item) => sum + item.price, 0);\n";
        const { pipeline, improved } = make({ chunkChars: 3, chunkMs: 12, respond: () => longLine }, { latencyBudgetMs: 60 });
        const editor = new Editor("function total(items) {\n    ");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.piece, "budget");
        assert.ok(longLine.startsWith(shown.text) && shown.text.length < longLine.trimEnd().length, JSON.stringify(shown.text));
        assert.ok(longLine.slice(shown.text.length).match(/^[^\p{L}\p{N}_$]/u) != null || /[^\p{L}\p{N}_$]$/u.test(shown.text), `cut inside a word: ${JSON.stringify(shown.text)}`);
        await until(() => improved.length > 0);
        const complete = suggestion(await pipeline.provide(editor.input("explicit"), new AbortController().signal));
        assert.equal(complete.text, longLine.trimEnd());
    });

    it("when the budget runs out before any text (a long prompt), shows the first whole word as soon as it arrives rather than waiting for the line", async () => {
        const longLine = "const total = items.reduce((sum, item) => sum + item.price, 0);\n";
        const { pipeline } = make({ promptMs: 120, chunkChars: 3, chunkMs: 15, respond: () => longLine }, { latencyBudgetMs: 30 });
        const editor = new Editor("function total(items) {\n    ");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.piece, "budget", `shown ${JSON.stringify(shown.text)}`);
        assert.ok(longLine.startsWith(shown.text) && shown.text.length < longLine.length / 2, JSON.stringify(shown.text));
    });

    it("a running generation matched before it wrote anything, which then goes another way than the user typed, is replaced by a new one for the place", async () => {
        const { backend, pipeline } = make({
            promptMs: 60, chunkChars: 2, chunkMs: 5,
            respond: (request) => request.prefix.endsWith("return") ? "st the the the" : request.prefix.endsWith("return ") ? "value * 2;" : ""
        });
        const editor = new Editor("function double(value) {\n    retur");
        editor.type("n", pipeline);
        const first = pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => backend.generating.length === 1);
        editor.type(" ", pipeline);
        const second = await pipeline.provide(editor.input(), new AbortController().signal);
        assert.equal(suggestion(second).text, "value * 2;");
        assert.equal(backend.generating[0]!.request.prefix.endsWith("return"), true, "the first generation started before the space (the test is meaningful)");
        assert.equal((await first).kind, "canceled");
    });

    it("re-offers the place when the finished line, cleaned whole, differs from the partial shown at the budget", async () => {
        // A long repeated piece is cut only once it has come twice; at the budget it has come once and a half.
        const degenerate = " return value + other;".repeat(6);
        const { pipeline, improved } = make({ chunkChars: 11, chunkMs: 60, respond: () => degenerate }, { latencyBudgetMs: 150 });
        const editor = new Editor("    return");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.piece, "budget");
        await pipeline.whenIdle();
        const final = suggestion(await pipeline.provide(editor.input("explicit"), new AbortController().signal));
        assert.equal(final.text, " return value + other;");
        assert.notEqual(final.text, shown.text, "cleaning the whole line changed what the partial showed (the test is meaningful)");
        assert.deepEqual(improved.map((entry) => entry.offset), [editor.offset], "the provider was asked to show the place again");
    });

    it("debounces new generations but not suggestions that are already there", async () => {
        const { pipeline } = make({ chunkChars: 64, chunkMs: 1 }, {}, 120);
        const editor = new Editor(head + tail, head.length);
        pipeline.recordKeystroke();
        const fresh = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.ok(fresh.elapsedMs >= 110, `a new generation waited the debounce (${fresh.elapsedMs} ms)`);
        editor.type("    con", pipeline);
        const typedThrough = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.ok(typedThrough.elapsedMs < 60, `typing through a suggestion did not wait (${typedThrough.elapsedMs} ms)`);
        assert.equal(typedThrough.text.startsWith("st sum"), true, typedThrough.text);
    });

    it("keeps the prompt head identical while the user types on new lines (the middle grows)", async () => {
        const { backend, pipeline } = make({ chunkChars: 64, chunkMs: 1, respond: () => "" });
        const editor = new Editor("// head\nconst a = 1;\n", "// head\nconst a = 1;\n".length);
        editor.text += "\n// after the cursor\n";
        const requests: BackendRequest[] = [];
        for (const chars of ["c", "o", "n", "s", "t", " ", "b", ";", "\n", "l", "e", "t"]) {
            editor.type(chars, pipeline);
            await pipeline.provide(editor.input(), new AbortController().signal);
            requests.push(backend.generating.at(-1)!.request);
        }
        for (const [index, request] of requests.entries()) {
            const head = request.prefix.slice(0, request.prefix.length - request.middleChars!);
            assert.equal(head, "// head\nconst a = 1;\n", `request ${index}`);
            assert.equal(request.suffix, "\n// after the cursor\n", `request ${index}`);
        }
        assert.equal(requests.at(-1)!.prefix.slice(-requests.at(-1)!.middleChars!), "const b;\nlet");
    });

    it("a backend that dies mid-stream gives no suggestion and the next request starts afresh", async () => {
        let crashes = 1;
        const { backend, pipeline } = make({ chunkChars: 2, chunkMs: 2, onRequest: () => (crashes-- > 0 ? "crash" : undefined) });
        const editor = new Editor(head + tail, head.length);
        const crashed = await pipeline.provide(editor.input(), new AbortController().signal);
        assert.equal(crashed.kind, "empty");
        assert.equal(pipeline.liveCount, 0);
        const next = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(next.text, "    const sum = a + b;");
        assert.equal(backend.generating.length, 2);
    });

    it("closing the document aborts its generation and forgets its suggestions", async () => {
        const { backend, pipeline } = make({ chunkChars: 1, chunkMs: 20 });
        const editor = new Editor(head + tail, head.length);
        void pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => backend.generating.length === 1);
        pipeline.forgetDocument(uri);
        await until(() => backend.generating[0]!.finished);
        assert.equal(backend.generating[0]!.aborted, true);
        assert.equal(pipeline.liveCount, 0);
    });

    it("a cursor jump stops generations that cannot serve the new place", async () => {
        const { backend, pipeline } = make({ chunkChars: 1, chunkMs: 20 });
        const editor = new Editor(head + tail, head.length);
        void pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => backend.generating.length === 1);
        pipeline.cursorMoved(uri, 3);
        await until(() => backend.generating[0]!.finished);
        assert.equal(backend.generating[0]!.aborted, true);
    });

    it("a cancelled editor request returns canceled but its generation serves the next request", async () => {
        const { backend, pipeline } = make({ chunkChars: 1, chunkMs: 5 });
        const editor = new Editor(head + tail, head.length);
        const abort = new AbortController();
        const first = pipeline.provide(editor.input(), abort.signal);
        await until(() => backend.generating.length === 1);
        abort.abort();
        assert.equal((await first).kind, "canceled");
        const again = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(again.text, "    const sum = a + b;");
        assert.equal(backend.generating.length, 1);
    });

    it("writes prompt and completion text to the log only when logPrompts is on", async () => {
        for (const logPrompts of [false, true]) {
            const logged: string[] = [];
            const backend = new FakeBackend({ respond, chunkChars: 64, chunkMs: 1 });
            const pipeline = new CompletionPipeline({
                backend,
                settings: () => ({ ...baseSettings, logPrompts }),
                debouncer: new Debouncer({ minMs: 0, maxMs: 0, initialMs: 0 }),
                events: { log: (message) => logged.push(message) }
            });
            const editor = new Editor("// SECRET-PROMPT\n" + head + tail, "// SECRET-PROMPT\n".length + head.length);
            suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
            await pipeline.whenIdle();
            const all = logged.join("\n");
            if (logPrompts) {
                assert.match(all, /SECRET-PROMPT/, "the prompt is logged when asked for");
                assert.match(all, /const sum = a \+ b/, "the completion is logged when asked for");
            } else
                assert.equal(logged.length, 0, `nothing is logged without the setting: ${all}`);
        }
    });

    it("shows a first line the cleaner has settled (degenerate repetition) at once, stops its generation, and prefetches after it", async () => {
        const degenerate = " * the the the the the the the the the the the the the the the the the the the the";
        const { backend, pipeline, done } = make({ chunkChars: 3, chunkMs: 10, respond: (request) => request.prefix.endsWith("const x = {") ? degenerate : "" });
        const editor = new Editor("const x = {");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.piece, "block", "a settled line is the whole suggestion");
        assert.ok(shown.text.length < degenerate.length / 2, `cut early: ${JSON.stringify(shown.text)}`);
        await until(() => backend.generating[0]!.finished);
        assert.equal(backend.generating[0]!.aborted, true, "decoding stopped once the line was settled");
        await until(() => done.includes("prefetch") || backend.generating.length > 1);
        assert.equal(backend.generating[1]!.request.prefix, "const x = {" + shown.text, "the prefetch starts after the settled line");
    });

    it("whenIdle waits for a settled generation's backend call, which is still stopping, and the prefetch after it", async () => {
        const degenerate = " * the the the the the the the the the the the the the the the the the the the the";
        const { backend, pipeline } = make({ chunkChars: 3, chunkMs: 5, stopMs: 150, respond: (request) => request.prefix.endsWith("const x = {") ? degenerate : "" });
        const editor = new Editor("const x = {");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.piece, "block");
        assert.equal(backend.generating[0]!.finished, false, "the settled generation's call is still stopping (the test is meaningful)");
        await pipeline.whenIdle();
        assert.deepEqual(backend.requests.map((entry) => entry.finished), backend.requests.map(() => true), "no backend call is in flight");
        assert.ok(backend.generating.length >= 2, "the prefetch after the settled line ran before whenIdle resolved");
    });

    it("a generation the user typed away from, whose last round ends normally after the keystroke, starts no prefetch", async () => {
        // The engine checks for an abort between rounds: a keystroke during the last one gets a normal end.
        const { backend, pipeline } = make({ chunkChars: 16, chunkMs: 40, lastPieceIgnoresAbort: true, respond: (request) => request.prefix.endsWith("x = ") ? "100;\nlet y = 1;" : "" }, {}, 60);
        const editor = new Editor("let x = ");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.text, "100;");
        assert.equal(backend.generating[0]!.finished, false, "the keystroke comes during the last round (the test is meaningful)");
        editor.type("2", pipeline);
        await pipeline.provide(editor.input(), new AbortController().signal);
        await pipeline.whenIdle();
        assert.equal(backend.generating[0]!.aborted, false, "the first generation ended normally");
        assert.deepEqual(backend.generating.map((entry) => entry.request.prefix), ["let x = ", "let x = 2"], "no prefetch after a suggestion the user typed away from");
    });

    it("a generation that started while the new request was being debounced is stopped before the new request starts", async () => {
        // A settled line's backend call is still stopping when the user types on; it ends during the
        // debounce and its finish starts a prefetch for a place the user has left.
        const degenerate = " * the the the the the the the the the the the the the the the the the the the the";
        const respond = (request: BackendRequest) => request.prefix.endsWith("const x = {") ? degenerate : "abcdefghijklmnopqrstuvwxyz".repeat(8);
        const { backend, pipeline } = make({ chunkChars: 3, chunkMs: 5, stopMs: 40, respond }, {}, 120);
        const editor = new Editor("const x = {");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.piece, "block");
        assert.equal(backend.generating[0]!.finished, false, "the settled generation's call is still stopping (the test is meaningful)");
        editor.type("\n", pipeline);
        const next = pipeline.provide(editor.input(), new AbortController().signal);
        await until(() => backend.generating.length >= 2);
        const stray = backend.generating[1]!;
        assert.equal(stray.request.prefix, "const x = {" + shown.text, "the settled line's finish started a prefetch during the debounce (the test is meaningful)");
        await next;
        await until(() => stray.finished);
        assert.equal(stray.aborted, true, "the new request does not queue behind it");
        assert.equal(backend.generating[2]!.request.prefix, "const x = {\n");
    });

    it("a partial shown at the budget never holds a second copy of a repeated word that the finished line loses", async () => {
        const degenerate = " the the the the the the the the the the the the the the the the";
        const { pipeline } = make({ chunkChars: 8, chunkMs: 40, respond: () => degenerate }, { latencyBudgetMs: 100 });
        const editor = new Editor("    return");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.piece, "budget");
        assert.equal(shown.text, " the");
    });

    it("Tab-Tab-Tab through prefetches: each accepted prefetch starts the next one, so every next suggestion is ready", async () => {
        const lines = ["    const a = 1;", "    const b = 2;", "    const c = 3;", "    const d = 4;"];
        const respond = (request: BackendRequest) => {
            const written = lines.findIndex((line) => !request.prefix.includes(line));
            return written < 0 ? "" : (written === 0 ? "" : "\n") + lines[written];
        };
        const { backend, pipeline } = make({ chunkChars: 64, chunkMs: 1, respond });
        const editor = new Editor("function f() {\n" + "\n}", "function f() {\n".length);
        const first = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(first.text, lines[0]);
        const sources: string[] = [];
        let shown = first;
        for (let press = 0; press < 3; press++) {
            await pipeline.whenIdle();
            editor.type(shown.text, pipeline);
            shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
            sources.push(shown.source);
            assert.equal(shown.text, "\n" + lines[press + 1]);
        }
        assert.deepEqual(sources, ["prefetch", "prefetch", "prefetch"]);
        assert.equal(backend.generating.length, 5, "one request, three prefetches used, one prefetch waiting for the next Tab");
    });

    it("when the rest of a block whose first line was accepted is cleaned away, the prefetch its end starts serves the next suggestion", async () => {
        // The model's second line re-types the document's next line, which cleaning drops.
        const respond = (request: BackendRequest) => request.prefix.endsWith("{\n") ? "    const a = 1;\n    return a;" : "\n    const b = 2;";
        const { backend, pipeline } = make({ chunkChars: 4, chunkMs: 15, respond });
        const editor = new Editor("function f() {\n\n    return a;\n}", "function f() {\n".length);
        const first = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(first.text, "    const a = 1;");
        assert.equal(first.piece, "lines");
        assert.equal(backend.generating[0]!.finished, false, "the block was still decoding when its first line was accepted (the test is meaningful)");
        editor.type(first.text, pipeline);
        const next = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(next.text, "\n    const b = 2;");
        assert.equal(next.source, "prefetch");
        await pipeline.whenIdle();
        const prefixes = backend.generating.map((entry) => entry.request.prefix);
        assert.equal(new Set(prefixes).size, prefixes.length, `no place was generated twice: ${JSON.stringify(prefixes)}`);
    });

    it("after the user accepts a repeated word the finished line keeps once, what the model wrote after it is served without a new generation", async () => {
        const degenerate = " the the the the the the the the the the the the the the the the the the the the the the the the";
        const { backend, pipeline } = make({ chunkChars: 4, chunkMs: 30, respond: () => degenerate }, { latencyBudgetMs: 80 });
        const editor = new Editor("    return");
        const shown = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
        assert.equal(shown.text, " the");
        const sources: string[] = [];
        for (let press = 0; press < 3; press++) {
            editor.type(" the", pipeline);
            const next = suggestion(await pipeline.provide(editor.input(), new AbortController().signal));
            assert.equal(next.text, " the");
            sources.push(next.source);
        }
        assert.deepEqual(sources.filter((source) => source === "new"), [], `served by: ${sources.join(", ")}`);
        assert.equal(backend.generating.length <= 3, true, `generations: ${backend.generating.map((entry) => JSON.stringify(entry.request.prefix)).join(", ")}`);
    });
});
