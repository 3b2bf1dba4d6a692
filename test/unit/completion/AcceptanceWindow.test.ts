import * as assert from "node:assert/strict";
import type { RequestStats } from "../../../src/common/CompletionTypes";
import { AcceptanceWindow, sampleFromStats, type AcceptanceSample } from "../../../src/completion/AcceptanceWindow";

function sample(drafted: number, accepted: number, generated: number, targetEvals: number, ms: number): AcceptanceSample {
    return { drafted, accepted, generated, targetEvals, ms };
}

describe("AcceptanceWindow", () => {
    it("reports zeros when empty", () => {
        const window = new AcceptanceWindow();
        assert.deepEqual(window.summary(), {
            requests: 0,
            drafted: 0,
            accepted: 0,
            generated: 0,
            targetEvals: 0,
            ms: 0,
            acceptanceRate: 0,
            tokensPerTargetEval: 0,
            tokensPerSecond: 0,
            idle: false
        });
        assert.deepEqual(window.series(), []);
    });

    it("is idle after a run of requests that drafted nothing because drafting would not pay, and not otherwise", () => {
        const window = new AcceptanceWindow();
        const declined = (rounds: number): AcceptanceSample => ({ ...sample(0, 0, 10, 10, 50), declined: rounds });
        window.add(declined(10));
        window.add(declined(10));
        assert.equal(window.summary().idle, false, "two requests are not a run");
        window.add(declined(10));
        assert.equal(window.summary().idle, true);
        window.add(sample(8, 6, 10, 3, 40));
        assert.equal(window.summary().idle, false, "a request that drafted ends it");
        const speculationOff = new AcceptanceWindow();
        for (let i = 0; i < 5; i++)
            speculationOff.add(declined(0));
        assert.equal(speculationOff.summary().idle, false, "target-alone requests (nothing declined) are not idle speculation");
    });

    it("sums requests and derives the rates over the window", () => {
        const window = new AcceptanceWindow();
        window.add(sample(10, 8, 12, 4, 100), 1);
        window.add(sample(10, 2, 6, 4, 200), 2);
        const summary = window.summary();
        assert.equal(summary.requests, 2);
        assert.equal(summary.drafted, 20);
        assert.equal(summary.accepted, 10);
        assert.equal(summary.acceptanceRate, 0.5);
        assert.equal(summary.tokensPerTargetEval, 18 / 8);
        assert.equal(summary.tokensPerSecond, 18 / 0.3);
    });

    it("weights the rate by drafted tokens, not by request", () => {
        const window = new AcceptanceWindow();
        window.add(sample(100, 90, 100, 20, 100));
        window.add(sample(2, 0, 1, 1, 10));
        assert.equal(window.summary().acceptanceRate, 90 / 102);
    });

    it("drops the oldest request once full", () => {
        const window = new AcceptanceWindow(2);
        window.add(sample(10, 10, 11, 1, 10), 1);
        window.add(sample(10, 5, 6, 2, 10), 2);
        window.add(sample(10, 0, 1, 1, 10), 3);
        const summary = window.summary();
        assert.equal(window.size, 2);
        assert.equal(summary.requests, 2);
        assert.equal(summary.acceptanceRate, 5 / 20);
        assert.deepEqual(window.series().map((point) => point.at), [2, 3]);
    });

    it("gives a per-request series with a rolling rate for charts", () => {
        const window = new AcceptanceWindow();
        window.add(sample(10, 10, 11, 1, 100), 100);
        window.add(sample(0, 0, 5, 5, 50), 200);
        window.add(sample(10, 0, 1, 1, 10), 300);
        const series = window.series();
        assert.deepEqual(
            series.map((point) => [point.at, point.acceptanceRate, point.rollingAcceptanceRate]),
            [
                [100, 1, 1],
                [200, undefined, 1],
                [300, 0, 0.5]
            ]
        );
        assert.equal(series[0].tokensPerTargetEval, 11);
        assert.equal(series[1].tokensPerSecond, 100);
    });

    it("treats negative or non-finite figures as 0", () => {
        const window = new AcceptanceWindow();
        window.add(sample(-5, Number.NaN, Infinity, 2, -1));
        const summary = window.summary();
        assert.equal(summary.drafted, 0);
        assert.equal(summary.accepted, 0);
        assert.equal(summary.generated, 0);
        assert.equal(summary.ms, 0);
        assert.equal(summary.tokensPerSecond, 0);
    });

    it("clears", () => {
        const window = new AcceptanceWindow();
        window.add(sample(10, 5, 6, 2, 10));
        window.clear();
        assert.equal(window.size, 0);
        assert.equal(window.summary().drafted, 0);
    });

    it("builds a sample from engine stats, leaving prompt time out", () => {
        const stats: RequestStats = {
            draftedTokens: 16,
            acceptedTokens: 12,
            targetEvals: 5,
            generatedTokens: 17,
            acceptanceRate: 0.75,
            tokensPerTargetEval: 3.4,
            promptTokens: 900,
            reusedPromptTokens: 850,
            promptMs: 400,
            draftMs: 30,
            targetMs: 70,
            totalMs: 500
        };
        assert.deepEqual(sampleFromStats(stats), { drafted: 16, accepted: 12, generated: 17, targetEvals: 5, ms: 100, declined: 0 });
        assert.equal(sampleFromStats({ ...stats, declinedRounds: 7 }).declined, 7);
    });
});
