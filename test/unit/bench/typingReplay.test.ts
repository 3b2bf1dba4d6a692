import * as assert from "node:assert/strict";
import { acceptablePart, isFirstLineOf, makeTypingScript, replayTyping, summarizeReplay } from "../../../src/bench/typingReplay";
import type { BackendRequest } from "../../../src/completion/CompletionBackend";
import { FakeBackend } from "../../support/fakeBackend";

describe("bench: typing replay", () => {
    it("makes a deterministic script that pauses at line ends", () => {
        const text = "const a = 1;\nconst b = 2;\n";
        const script = makeTypingScript(text, { seed: 3, pauseMs: 2000 });
        assert.deepEqual(script, makeTypingScript(text, { seed: 3, pauseMs: 2000 }));
        assert.equal(script.map((key) => key.char).join(""), text);
        assert.equal(script[0]!.gapMs, 0);
        assert.equal(script[13]!.gapMs, 2000);
    });

    it("accepts the whole suggestion when it matches, else its matching whole words, else nothing", () => {
        assert.equal(acceptablePart("return sum;", "return sum;\n}"), "return sum;");
        assert.equal(acceptablePart("return total;", "return sum;\n}"), "return ");
        assert.equal(acceptablePart("returns", "return sum;"), "");
        assert.equal(acceptablePart("items.map(fn)", "items.filter(fn)"), "items.");
        assert.equal(acceptablePart("x", "y"), "");
    });

    it("tells whether a line shown early is exactly the whole suggestion's first line", () => {
        assert.equal(isFirstLineOf("const a = 1;", "const a = 1;\nconst b = 2;"), true);
        assert.equal(isFirstLineOf("const a = 1;", "const a = 1;"), true);
        assert.equal(isFirstLineOf("const a", "const a = 1;"), false);
        assert.equal(isFirstLineOf("const a = 2;", "const a = 1;\n"), false);
        assert.equal(isFirstLineOf("", "x"), false);
    });

    it("summarizes: percentiles over the keys the model had something for, a timeout as infinite", () => {
        const summary = summarizeReplay([
            { latencyMs: 300, source: "new" },
            { latencyMs: 0.2, source: "cache" },
            { latencyMs: NaN },
            { latencyMs: Infinity }
        ], [
            { latencyMs: 5, source: "prefetch", accepted: "whole" }, { latencyMs: 400, source: "new", accepted: "word" },
            { latencyMs: NaN, accepted: "whole" }, { latencyMs: Infinity, accepted: "whole" }
        ]);
        assert.equal(summary.keystrokeToSuggestion.count, 3);
        assert.equal(summary.keystrokeToSuggestion.p50Ms, 300);
        assert.equal(summary.keystrokeToSuggestion.p95Ms, Infinity);
        assert.equal(summary.served, 2);
        assert.equal(summary.nothing, 1);
        assert.equal(summary.readyAfterAccept, 1);
        assert.equal(summary.nothingAfterAccept, 1, "a press after which the model had nothing is counted apart");
        assert.equal(summary.tabToNext.count, 3, "a timed-out press counts, as infinite");
        assert.equal(summary.tabToNext.p95Ms, Infinity);
        assert.deepEqual(summary.bySource, { new: 1, cache: 1, nothing: 1, timeout: 1 });
    });

    it("replays a user who accepts matching suggestions and finds the next one prefetched", async function () {
        this.timeout(30_000);
        const realText = "let a = 1;\nlet b = 2;\nlet c = 3;\n";
        // A model that knows the file: it always suggests the rest of the current line and the next one.
        const backend = new FakeBackend({
            chunkChars: 3, chunkMs: 1,
            respond: (request: BackendRequest) => {
                const written = request.prefix.slice(request.prefix.indexOf("// start\n") + "// start\n".length);
                return realText.startsWith(written) ? realText.slice(written.length) : "";
            }
        });
        const run = await replayTyping(backend, { document: "// start\n\n// end\n", offset: "// start\n".length, realText, seed: 2 }, {
            maxTokens: 64, maxLines: 2, contextSize: 2048, debounceMs: 20, latencyBudgetMs: 200, prefetch: true, pauseMs: 600, readMs: 50
        });
        assert.ok(run.acceptedChars > 0, "the user accepted suggestions");
        assert.equal(run.acceptedChars + run.typedChars, realText.length);
        assert.ok(run.tabs.length >= 1);
        const summary = summarizeReplay(run.waited, run.tabs);
        assert.ok(summary.readyAfterAccept >= 1, `after an accept the next suggestion was ready: ${JSON.stringify(run.tabs)}`);
    });
});
