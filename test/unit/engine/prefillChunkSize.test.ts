import * as assert from "node:assert/strict";
import { MAX_PREFILL_CHUNK, MIN_PREFILL_CHUNK, PREFILL_CHUNK_TARGET_MS, prefillChunkSize } from "../../../src/engine/ModelRunner";

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
            assert.ok(size * msPerToken <= PREFILL_CHUNK_TARGET_MS, `${size} tokens at ${msPerToken} ms`);
            assert.ok(2 * size * msPerToken > PREFILL_CHUNK_TARGET_MS || size === MAX_PREFILL_CHUNK);
        }
    });

    it("uses the largest chunk on a fast GPU", () => {
        assert.equal(prefillChunkSize(0.05), MAX_PREFILL_CHUNK);
        assert.equal(prefillChunkSize(0), MAX_PREFILL_CHUNK);
    });
});
