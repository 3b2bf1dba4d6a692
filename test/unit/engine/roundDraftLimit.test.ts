import * as assert from "node:assert/strict";
import { roundDraftLimit } from "../../../src/engine/SpeculativeEngine";

describe("roundDraftLimit", () => {
    it("bounds a round by what the target verifies in about EVAL_TARGET_MS, pending token included", () => {
        // 10 tokens fit: 9 proposals, not the 47 a long lookup copy could offer.
        assert.equal(roundDraftLimit(47, 8, 10), 9);
    });

    it("never bounds below the user's K, nor above what the request has left", () => {
        assert.equal(roundDraftLimit(47, 8, 3), 8, "a slow machine still drafts K");
        assert.equal(roundDraftLimit(5, 8, 64), 5);
        assert.equal(roundDraftLimit(47, 8, 64), 47, "a fast target verifies long copies whole");
    });

    it("leaves the round to what is left without a bound (the target's cost not yet measured, or past the first line)", () => {
        assert.equal(roundDraftLimit(47, 8, undefined), 47);
    });
});
