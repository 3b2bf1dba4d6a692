import * as assert from "node:assert/strict";
import * as os from "node:os";
import { resolveThreads } from "../../../src/engine/loadModelPair";

describe("resolveThreads", () => {
    it("keeps an explicit thread count", () => {
        assert.equal(resolveThreads(3), 3);
        assert.equal(resolveThreads(1), 1);
    });

    it("leaves one core for the editor when asked to decide (0 or unset), but never goes below one", () => {
        const expected = Math.max(1, os.availableParallelism() - 1);
        assert.equal(resolveThreads(0), expected);
        assert.equal(resolveThreads(undefined), expected);
        assert.ok(resolveThreads(0) >= 1 && resolveThreads(0) < Math.max(2, os.availableParallelism()));
    });
});
