import * as assert from "node:assert/strict";
import { acceptanceRateOf, alphaFromAcceptanceRate, BatchCostCurve, bestFixedK, expectedSpeedup, expectedTokensPerRound, fullAcceptanceLimit } from "../../../src/bench/analytic";

describe("bench: analytic speculative-decoding model", () => {
    it("expected tokens per round follow (1 − α^(K+1)) / (1 − α)", () => {
        assert.equal(expectedTokensPerRound(0, 4), 1);
        assert.equal(expectedTokensPerRound(1, 4), 5);
        assert.ok(Math.abs(expectedTokensPerRound(0.5, 2) - 1.75) < 1e-12);
        assert.ok(Math.abs(expectedTokensPerRound(0.8, 4) - (1 - 0.8 ** 5) / 0.2) < 1e-12);
        assert.equal(expectedTokensPerRound(0.7, 0), 1);
    });

    it("recovers α from a measured acceptance rate", () => {
        for (const alpha of [0.1, 0.5, 0.7, 0.9, 0.99])
            for (const k of [1, 2, 4, 8, 3.5]) {
                const recovered = alphaFromAcceptanceRate(acceptanceRateOf(alpha, k), k);
                assert.ok(Math.abs(recovered - alpha) < 1e-6, `α ${alpha}, K ${k}: got ${recovered}`);
            }
        assert.equal(alphaFromAcceptanceRate(0, 4), 0);
        assert.equal(alphaFromAcceptanceRate(1, 4), 1);
        // At K = 1 the acceptance rate is α itself.
        assert.ok(Math.abs(acceptanceRateOf(0.63, 1) - 0.63) < 1e-12);
    });

    it("interpolates and extrapolates a batch-cost curve", () => {
        const curve = new BatchCostCurve([{ size: 1, ms: 40 }, { size: 3, ms: 60 }, { size: 5, ms: 100 }]);
        assert.equal(curve.ms(1), 40);
        assert.equal(curve.ms(2), 50);
        assert.equal(curve.ms(4), 80);
        assert.equal(curve.ms(7), 140);
        assert.throws(() => new BatchCostCurve([]), /needs at least one point/);
    });

    it("expected speedup is E[tokens]·c(1) / (K·c_draft + c(K+1))", () => {
        const free = new BatchCostCurve([{ size: 1, ms: 10 }, { size: 9, ms: 10 }]);
        // Free verification and free drafts: the speedup is E[tokens].
        assert.ok(Math.abs(expectedSpeedup({ alpha: 0.8, k: 4, draftMsPerToken: 0, target: free }) - expectedTokensPerRound(0.8, 4)) < 1e-12);
        const linear = new BatchCostCurve([{ size: 1, ms: 40 }, { size: 9, ms: 200 }]);
        const expected = expectedTokensPerRound(0.9, 4) * 40 / (4 * 0.5 + 120);
        assert.ok(Math.abs(expectedSpeedup({ alpha: 0.9, k: 4, draftMsPerToken: 0.5, target: linear }) - expected) < 1e-12);
        // Full acceptance, unbounded K: c(1) / (marginal + c_draft) = 40 / 20.5.
        assert.ok(Math.abs(fullAcceptanceLimit(linear, 0.5) - 40 / 20.5) < 1e-12);
        const best = bestFixedK(1, 8, 0, linear);
        assert.equal(best.k, 8);
        assert.ok(Math.abs(best.speedup - 9 * 40 / 200) < 1e-12);
        assert.equal(bestFixedK(0.1, 8, 0, linear).k, 0);
    });
});
