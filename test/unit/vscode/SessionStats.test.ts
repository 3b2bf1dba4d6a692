import * as assert from "node:assert/strict";
import type { RequestStats } from "../../../src/common/CompletionTypes";
import { promptBudget } from "../../../src/completion/promptBudget";
import { SessionStats } from "../../../src/vscode/SessionStats";

function stats(overrides: Partial<RequestStats>): RequestStats {
    return {
        draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, generatedTokens: 0, acceptanceRate: 0, tokensPerTargetEval: 0,
        promptTokens: 10, reusedPromptTokens: 0, promptMs: 5, draftMs: 0, targetMs: 0, totalMs: 0, ...overrides
    };
}

describe("session statistics", () => {
    it("keeps the rolling acceptance of speculative requests only", () => {
        const session = new SessionStats(3);
        session.addRequest(stats({ draftedTokens: 10, acceptedTokens: 5, targetEvals: 4, generatedTokens: 8, draftMs: 10, targetMs: 30 }), true);
        session.addRequest(stats({ targetEvals: 8, generatedTokens: 8, targetMs: 80 }), false);
        session.addRequest(stats({ draftedTokens: 10, acceptedTokens: 9, targetEvals: 2, generatedTokens: 10, draftMs: 10, targetMs: 20 }), true);
        const summary = session.acceptance;
        assert.equal(summary.requests, 2);
        assert.equal(summary.acceptanceRate, 14 / 20);
        assert.equal(summary.tokensPerTargetEval, 18 / 6);
        const points = session.snapshot().points;
        assert.equal(points.length, 3);
        assert.equal(points[1]!.acceptanceRate, undefined);
        assert.equal(points[1]!.speculative, false);
    });

    it("shows no speedup until the target alone was measured: a verifying pass is not a target-alone token", () => {
        const session = new SessionStats();
        session.addRequest(stats({ draftedTokens: 8, acceptedTokens: 6, targetEvals: 3, generatedTokens: 9, draftMs: 6, targetMs: 30 }), true);
        let snapshot = session.snapshot();
        assert.equal(snapshot.baselineSource, "none");
        assert.equal(snapshot.baselineMsPerToken, undefined);
        assert.equal(snapshot.points[0]!.speedup, undefined);
        session.addRequest(stats({ targetEvals: 10, generatedTokens: 10, targetMs: 80 }), false);
        session.addRequest(stats({ draftedTokens: 8, acceptedTokens: 6, targetEvals: 3, generatedTokens: 9, draftMs: 6, targetMs: 30 }), true);
        snapshot = session.snapshot();
        assert.equal(snapshot.baselineSource, "measured");
        assert.equal(snapshot.baselineMsPerToken, 8);
        // 9 tokens alone take 72 ms; speculation took 6 + 30 ms.
        assert.equal(snapshot.points[2]!.speedup, (8 * 9) / 36);
    });

    it("computes speedup from measured costs: the fixture pair's figures give 2.1×, not the 4.0× of counting a pass as a token", () => {
        // Measured on the fixture pair (large target, threads 1): the target alone 44 ms per token;
        // speculation 12 passes of 84.7 ms verifying 40 drafted tokens, 8 ms drafting, 48 tokens.
        const session = new SessionStats();
        session.addRequest(stats({ targetEvals: 48, generatedTokens: 48, targetMs: 44 * 48 }), false);
        session.addRequest(stats({ draftedTokens: 40, acceptedTokens: 36, targetEvals: 12, generatedTokens: 48, draftMs: 8, targetMs: 12 * 84.7 }), true);
        const speedup = session.snapshot().points[1]!.speedup!;
        assert.ok(Math.abs(speedup - (44 * 48) / (8 + 12 * 84.7)) < 1e-9, `speedup ${speedup}`);
        assert.ok(speedup > 2 && speedup < 2.2, `speedup ${speedup}`);
    });

    it("takes the baseline from speculative requests that drafted nothing, over the most recent ones", () => {
        const session = new SessionStats(50, 300, 2);
        session.addRequest(stats({ targetEvals: 4, generatedTokens: 4, targetMs: 400 }), false); // 100 ms, pushed out below
        session.addRequest(stats({ targetEvals: 5, generatedTokens: 5, targetMs: 50 }), true); // drafted nothing: 10 ms per token
        session.addRequest(stats({ targetEvals: 5, generatedTokens: 5, targetMs: 70 }), false); // 14 ms per token
        const snapshot = session.snapshot();
        assert.equal(snapshot.baselineSource, "measured");
        assert.equal(snapshot.baselineMsPerToken, 120 / 10);
        assert.equal(snapshot.points[1]!.speedup, undefined, "nothing drafted: no speedup to show");
        session.clear();
        assert.equal(session.snapshot().baselineSource, "none");
    });

    it("counts suggestions shown, from cache and accepted, and notifies listeners", () => {
        const session = new SessionStats();
        let changes = 0;
        const subscription = session.onDidChange(() => changes++);
        session.addShown(false);
        session.addShown(true);
        session.addAccepted();
        subscription.dispose();
        session.addAccepted();
        const snapshot = session.snapshot();
        assert.deepEqual([snapshot.suggestionsShown, snapshot.cacheHits, snapshot.suggestionsAccepted, changes], [2, 1, 2, 3]);
    });

    it("ignores requests that generated nothing and bounds its history", () => {
        const session = new SessionStats(50, 5);
        session.addRequest(stats({}), true);
        for (let index = 0; index < 8; index++)
            session.addRequest(stats({ targetEvals: 1, generatedTokens: 1, targetMs: 1 }), false);
        assert.equal(session.snapshot().points.length, 5);
    });
});

describe("prompt budget", () => {
    it("leaves room for the answer and caps each part", () => {
        const small = promptBudget(2048, 128);
        assert.ok(small.prefixChars > small.suffixChars && small.suffixChars > 0 && small.extraChars > 0);
        assert.ok((small.prefixChars + small.suffixChars + small.extraChars) / 3 <= 2048 - 128);
        const large = promptBudget(131072, 128);
        assert.deepEqual(large, { prefixChars: 2048 * 3, suffixChars: 512 * 3, extraChars: 1024 * 3 });
        assert.ok(promptBudget(512, 1024).prefixChars > 0, "never negative");
    });

    it("keeps time to suggestion over the last suggestions shown while typing, as p50 and p95", () => {
        const session = new SessionStats(4);
        assert.deepEqual(session.timeToSuggestion, { count: 0, p50Ms: undefined, p95Ms: undefined });
        for (const ms of [900, 100, 200, 300, 400])
            session.addShown(false, ms);
        session.addShown(true);
        const latency = session.snapshot().timeToSuggestion;
        assert.equal(latency.count, 4, "the oldest (900 ms) left the window; a suggestion without a keystroke adds none");
        assert.equal(latency.p50Ms, 250);
        assert.equal(latency.p95Ms, 385);
        assert.equal(session.snapshot().suggestionsShown, 6);
        assert.equal(session.snapshot().cacheHits, 1);
    });
});

