import * as assert from "node:assert/strict";
import { firstDivergence, isNearTie } from "../../../src/bench/nearTie";

const t = (...ids: number[]) => ids as never[];

describe("bench: near ties", () => {
    it("firstDivergence: the first differing position, an early end included; undefined when equal", () => {
        assert.equal(firstDivergence(t(1, 2, 3), t(1, 2, 3)), undefined);
        assert.equal(firstDivergence(t(1, 2, 3), t(1, 5, 3)), 1);
        assert.equal(firstDivergence(t(1, 2, 3), t(1, 2)), 2);
    });

    it("isNearTie: the two tokens within 1 % of each other (the code pair's case: 0.238862 against 0.238056), not a clear choice", () => {
        const probabilities = new Map([[10, 0.238862], [11, 0.238056], [12, 0.2], [13, 0.01]]) as unknown as ReadonlyMap<never, number>;
        assert.equal(isNearTie(probabilities, 10 as never, 11 as never), true);
        assert.equal(isNearTie(probabilities, 11 as never, 10 as never), true);
        assert.equal(isNearTie(probabilities, 10 as never, 12 as never), false, "0.239 against 0.2 is a real difference");
        assert.equal(isNearTie(probabilities, 10 as never, 99 as never), false, "a token the target does not rate");
        assert.equal(isNearTie(probabilities, 10 as never, undefined), false, "an output that ended");
        assert.equal(isNearTie(probabilities, 10 as never, 10 as never), false);
    });
});
