import * as assert from "node:assert/strict";
import { MAX_PREFILL_CHUNK, MIN_PREFILL_CHUNK, ModelRunner, EVAL_TARGET_MS, prefillChunkSize } from "../../../src/engine/ModelRunner";
import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from "../../../src/engine/llamaTypes";

/** A sequence that only records what it is asked to evaluate, and can run code after each chunk. */
function stubRunner(afterChunk: (chunk: readonly Token[]) => void = () => undefined) {
    const evaluated: Token[][] = [];
    const sequence = {
        contextTokens: [] as Token[],
        async evaluateWithoutGeneratingNewTokens(tokens: Token[]) {
            evaluated.push(tokens.slice());
            afterChunk(tokens);
        }
    };
    const runner = new ModelRunner({} as LlamaModel, {} as LlamaContext, sequence as unknown as LlamaContextSequence);
    return { runner, evaluated };
}

const tokens = (count: number, from = 0): Token[] => Array.from({ length: count }, (_, i) => (from + i) as Token);

describe("ModelRunner.prefill", () => {
    it("evaluates everything, in chunks, and mirrors it in the cached tokens", async () => {
        const { runner, evaluated } = stubRunner();
        assert.equal(await runner.prefill(tokens(1000), undefined), true);
        assert.deepEqual(evaluated.flat(), tokens(1000));
        assert.deepEqual(runner.cachedTokens, tokens(1000));
        // The first chunk is small (the speed is not known yet); none exceeds the maximum.
        assert.equal(evaluated[0].length, 64);
        assert.ok(evaluated.every((chunk) => chunk.length <= 512));
    });

    it("stops at the next chunk boundary on abort and keeps what it already evaluated", async () => {
        const abort = new AbortController();
        const { runner, evaluated } = stubRunner(() => abort.abort());
        assert.equal(await runner.prefill(tokens(1000), abort.signal), false);
        assert.equal(evaluated.length, 1);
        assert.deepEqual(runner.cachedTokens, evaluated[0]);

        // The next request picks up where the aborted one stopped.
        const done = runner.cachedTokens.length;
        const resumed = await runner.prefill(tokens(1000 - done, done), undefined);
        assert.equal(resumed, true);
        assert.deepEqual(runner.cachedTokens, tokens(1000));
    });

    it("does nothing when aborted before it starts", async () => {
        const abort = new AbortController();
        abort.abort();
        const { runner, evaluated } = stubRunner();
        assert.equal(await runner.prefill(tokens(10), abort.signal), false);
        assert.equal(evaluated.length, 0);
        assert.deepEqual(runner.cachedTokens, []);
    });
});

describe("prefillChunkSize", () => {
    it("starts with a small chunk before the speed is known", () => {
        assert.equal(prefillChunkSize(undefined), 64);
        assert.equal(prefillChunkSize(Number.NaN), 64);
    });

    it("keeps a chunk within the time target on a slow CPU, but never below the minimum", () => {
        // 8 ms per token: 150 ms fits 18 tokens, so the floor of 32 applies.
        assert.equal(prefillChunkSize(8), MIN_PREFILL_CHUNK);
        // 1 ms per token: 150 fits, 128 is the largest power of two that does.
        assert.equal(prefillChunkSize(1), 128);
        for (const msPerToken of [0.3, 0.5, 1, 2, 4]) {
            const size = prefillChunkSize(msPerToken);
            assert.ok(size * msPerToken <= EVAL_TARGET_MS, `${size} tokens at ${msPerToken} ms`);
            assert.ok(2 * size * msPerToken > EVAL_TARGET_MS || size === MAX_PREFILL_CHUNK);
        }
    });

    it("uses the largest chunk on a fast GPU", () => {
        assert.equal(prefillChunkSize(0.05), MAX_PREFILL_CHUNK);
        assert.equal(prefillChunkSize(0), MAX_PREFILL_CHUNK);
    });
});
