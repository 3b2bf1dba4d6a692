import * as assert from "node:assert/strict";
import type { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { loadSmallEngine, variedPrompts } from "../support/engineTestSupport";

describe("streaming: the engine hands out text as it commits it", function () {
    this.timeout(300_000);
    let engine: SpeculativeEngine;

    before(async () => {
        engine = await loadSmallEngine();
    });
    after(async () => {
        await engine?.dispose();
    });

    it("streams pieces that add up to the completion, in several rounds, speculative and target alone", async () => {
        let multiPiece = 0;
        for (const speculative of [true, false])
            for (const prompt of variedPrompts(12)) {
                const pieces: string[] = [];
                const result = await engine.complete({ ...prompt, maxTokens: 40, speculative, onText: (delta) => pieces.push(delta) });
                const streamed = pieces.join("");
                assert.ok(pieces.every((piece) => piece.length > 0 && !piece.includes("\uFFFD")), JSON.stringify(pieces));
                // The stream may run one token past a maxLines cut; otherwise it is the completion.
                assert.ok(streamed.startsWith(result.text), `${JSON.stringify(streamed)} does not start with ${JSON.stringify(result.text)}`);
                assert.ok(streamed.length - result.text.length <= 4, `${JSON.stringify(streamed)} vs ${JSON.stringify(result.text)}`);
                if (pieces.length > 1)
                    multiPiece++;
            }
        assert.ok(multiPiece >= 12, `only ${multiPiece} of 24 completions came in more than one piece`);
    });

    it("an abort ends the stream with what was committed", async () => {
        const abort = new AbortController();
        const pieces: string[] = [];
        const result = await engine.complete({
            prefix: "export const ", suffix: "", maxTokens: 200,
            signal: abort.signal,
            onText: (delta) => {
                pieces.push(delta);
                if (pieces.length === 2)
                    abort.abort();
            }
        });
        assert.equal(result.stopReason, "aborted");
        assert.equal(pieces.length, 2);
        assert.equal(pieces.join(""), result.text);
    });

    it("prefill-only requests stream nothing", async () => {
        const pieces: string[] = [];
        await engine.complete({ prefix: "let warm = ", maxTokens: 20, prefillOnly: true, onText: (delta) => pieces.push(delta) });
        assert.deepEqual(pieces, []);
    });
});
