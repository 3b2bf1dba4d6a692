import * as assert from "node:assert/strict";
import { ConfidencePrice } from "../../../src/engine/drafters/ConfidencePrice";

/** Runs `evals` single-token evals priced `withMs` / `withoutMs`; returns what each asked for. */
function run(price: ConfidencePrice, evals: number, withMs: number, withoutMs: number): boolean[] {
    const asked: boolean[] = [];
    for (let i = 0; i < evals; i++) {
        const ask = price.ask();
        asked.push(ask);
        price.record(ask, ask ? withMs : withoutMs);
    }
    return asked;
}

describe("ConfidencePrice", () => {
    it("measures both prices, then stops asking for a confidence that doubles a draft eval", () => {
        const price = new ConfidencePrice();
        const asked = run(price, 20, 0.9, 0.4);
        assert.deepEqual(asked.slice(0, 6), [true, false, true, false, true, false]);
        assert.ok(asked.slice(6).every((ask) => !ask), asked.join(","));
        assert.equal(price.worthIt, false);
    });

    it("keeps asking where the confidence is nearly free (a GPU, a small vocabulary)", () => {
        const price = new ConfidencePrice();
        const asked = run(price, 20, 0.42, 0.4);
        assert.ok(asked.slice(6).every((ask) => ask));
        assert.equal(price.worthIt, true);
    });

    it("checks again after a few hundred evals: a price that changed is noticed", () => {
        const price = new ConfidencePrice();
        run(price, 20, 0.9, 0.4);
        assert.equal(price.worthIt, false);
        run(price, 300, 0.41, 0.4);
        assert.equal(price.worthIt, true);
    });

    it("one slow sample does not decide: the median of three each way does", () => {
        const price = new ConfidencePrice();
        for (const [ask, ms] of [[true, 0.4], [false, 3.0], [true, 0.42], [false, 0.4], [true, 0.41], [false, 0.39]] as const)
            price.record(ask, ms);
        assert.equal(price.worthIt, true);
    });
});
