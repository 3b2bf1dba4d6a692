import * as assert from "node:assert/strict";
import { median, percentile } from "../../../src/completion/percentile";

describe("bench: percentile", () => {
    it("interpolates between closest ranks (R-7)", () => {
        assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
        assert.equal(percentile([4, 1, 3, 2], 0), 1);
        assert.equal(percentile([4, 1, 3, 2], 100), 4);
        assert.ok(Math.abs(percentile([10, 20, 30, 40, 50], 95)! - 48) < 1e-12);
        assert.equal(median([5]), 5);
        assert.equal(percentile([], 50), undefined);
    });

    it("sorts Infinity (a completion that never came) last and ignores NaN", () => {
        assert.equal(percentile([1, Infinity, 2], 50), 2);
        assert.equal(percentile([1, Infinity, 2], 100), Infinity);
        assert.equal(percentile([1, 2, Infinity, Infinity], 95), Infinity);
        assert.equal(percentile([NaN, 3], 50), 3);
    });
});
