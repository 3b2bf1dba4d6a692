import * as assert from "node:assert/strict";
import { PayoffLedger } from "../../../src/engine/PayoffLedger";

describe("PayoffLedger", () => {
    it("saved: committed tokens minus the round's cost in target-alone tokens", () => {
        assert.equal(PayoffLedger.saved(5, 30, 10), 2);
        assert.equal(PayoffLedger.saved(1, 25, 10), -1.5);
    });

    it("lets a key draft until it has been measured, and while it pays", () => {
        const ledger = new PayoffLedger({ minRounds: 3 });
        assert.equal(ledger.decide("model"), "draft");
        ledger.record("model", -2);
        ledger.record("model", -2);
        assert.equal(ledger.decide("model"), "draft", "two rounds are not enough evidence");
        ledger.record("model", 3);
        ledger.record("model", 3);
        assert.equal(ledger.decide("model"), "draft");
        assert.ok(ledger.average("model")! > 0);
    });

    it("stops a key that loses time, retries it after a backoff that doubles while retries lose, and resumes when it pays", () => {
        const ledger = new PayoffLedger({ minRounds: 3, firstBackoff: 4, maxBackoff: 16, smoothing: 0.5 });
        for (let i = 0; i < 3; i++)
            ledger.record("ngram", -1);
        const decisions: string[] = [];
        for (let round = 0; round < 30; round++) {
            const decision = ledger.decide("ngram");
            decisions.push(decision);
            if (decision === "retry")
                ledger.record("ngram", -1);
        }
        const retries = decisions.flatMap((decision, index) => decision === "retry" ? [index] : []);
        assert.deepEqual(retries, [3, 11, 27], decisions.join(","));
        assert.equal(decisions.filter((decision) => decision === "draft").length, 0);
        // A retry that pays well brings the average back above zero: drafting resumes at once.
        ledger.record("ngram", 8);
        assert.equal(ledger.decide("ngram"), "draft");
    });

    it("a retry that paid brings the next retry back at the first backoff, though the average is still below zero", () => {
        const ledger = new PayoffLedger({ minRounds: 3, firstBackoff: 4, maxBackoff: 64, smoothing: 0.25 });
        for (let i = 0; i < 3; i++)
            ledger.record("model", -2);
        const retries: number[] = [];
        for (let round = 0; round < 16; round++)
            if (ledger.decide("model") === "retry") {
                retries.push(round);
                ledger.record("model", 0.5);
                assert.ok(ledger.average("model")! < 0, "still below zero");
            }
        // Without the reset the backoff doubles: retries at 3, 11 and 27.
        assert.deepEqual(retries, [3, 7]);
        // Two paying retries later the average is still below zero, but no longer by more than its noise.
        assert.ok(ledger.average("model")! < 0);
        assert.equal(ledger.decide("model"), "draft");
    });

    it("stops a source that loses every round at once, not one whose all-or-nothing rounds pay on average but dipped below zero", () => {
        const steady = new PayoffLedger({ minRounds: 3, smoothing: 0.25 });
        const bursty = new PayoffLedger({ minRounds: 3, smoothing: 0.25 });
        // A weak draft: every verify of five is rejected at its first token.
        for (let i = 0; i < 3; i++)
            steady.record("model", -1.3);
        // A good one after an unlucky stretch: +3.7 when a verify of five is kept whole, −1.3 when not.
        for (const saved of [3.7, -1.3, 3.7, -1.3, -1.3, 3.7, -1.3, -1.3, -1.3])
            bursty.record("model", saved);
        assert.ok(bursty.average("model")! < 0, `the average ${bursty.average("model")} dipped below zero`);
        assert.equal(steady.decide("model"), "skip");
        assert.equal(bursty.decide("model"), "draft");
        assert.equal(steady.stopped("model"), true);
        assert.equal(bursty.stopped("model"), false);
    });

    it("stops a key whose rounds turned to losing only when the loss is two standard errors clear of zero", () => {
        const ledger = new PayoffLedger({ minRounds: 3, smoothing: 0.25 });
        // Two verifies kept whole, then short verifies rejected at their first token.
        for (const saved of [3.7, 3.7, ...Array<number>(11).fill(-0.6)])
            ledger.record("model", saved);
        // Average −0.42, one standard error 0.33: a one-error test would stop it here.
        assert.ok(ledger.average("model")! < -0.4);
        assert.equal(ledger.stopped("model"), false);
        ledger.record("model", -0.6);
        ledger.record("model", -0.6);
        assert.equal(ledger.stopped("model"), true);
        assert.equal(ledger.decide("model"), "skip");
    });

    it("keeps keys apart and ignores non-finite figures", () => {
        const ledger = new PayoffLedger({ minRounds: 1 });
        ledger.record("model", -5);
        ledger.record("ngram32", 4);
        ledger.record("ngram32", Number.NaN);
        assert.equal(ledger.decide("model"), "skip");
        assert.equal(ledger.decide("ngram32"), "draft");
        assert.equal(ledger.average("ngram32"), 4);
        assert.equal(ledger.measuredRounds("ngram32"), 1);
    });
});
