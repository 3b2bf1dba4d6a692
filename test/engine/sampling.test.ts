import * as assert from "node:assert/strict";
import type { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { chiSquareHomogeneity } from "../support/statistics";
import { loadSmallEngine } from "../support/engineTestSupport";

describe("speculative sampling keeps the target's distribution", function () {
    this.timeout(600_000);
    let engine: SpeculativeEngine;

    before(async () => {
        engine = await loadSmallEngine({ draftMax: 4, adaptiveDraft: false, draftConfidence: 0 });
    });
    after(async () => {
        await engine?.dispose();
    });

    for (const [drafter, prefix] of [["model", "export function load"], ["hybrid", "load(a); load(b); load"]] as const)
        it(`matches target-alone sampling on 2 000 samples of the first three tokens (${drafter} drafter; chi-square, p > 0.001)`, async () => {
            engine.setDecodingOptions({ drafter });
            const samples = 2000;
            const prompt = { prefix, suffix: "", maxTokens: 3, temperature: 1 };
            const draws = { speculative: [] as number[][], target: [] as number[][] };
            let drafted = 0;
            let accepted = 0;
            for (let i = 0; i < samples; i++) {
                const spec = await engine.complete({ ...prompt, seed: 1_000_000 + i, speculative: true });
                const plain = await engine.complete({ ...prompt, seed: 2_000_000 + i, speculative: false });
                draws.speculative.push(spec.tokens);
                draws.target.push(plain.tokens);
                drafted += spec.stats.draftedTokens;
                accepted += spec.stats.acceptedTokens;
            }
            // Rejections must happen, or the resampling branch went untested.
            assert.ok(accepted < drafted && accepted > 0, `accepted ${accepted} of ${drafted}`);
            const views: Array<[string, (tokens: number[]) => string]> = [
                ["token 1", (t) => String(t[0])],
                ["token 2", (t) => String(t[1])],
                ["token 3", (t) => String(t[2])],
                ["tokens 1-2", (t) => `${t[0]},${t[1]}`]
            ];
            for (const [name, key] of views) {
                const test = chiSquareHomogeneity(draws.speculative.map(key), draws.target.map(key));
                console.log(`      ${name}: chi2=${test.statistic.toFixed(1)} df=${test.degreesOfFreedom} p=${test.pValue.toFixed(3)} TV=${test.totalVariation.toFixed(3)}`);
                assert.ok(test.pValue > 0.001, `${name}: p = ${test.pValue}`);
            }
            console.log(`      sampling acceptance ${(accepted / drafted * 100).toFixed(1)}% (${accepted}/${drafted})`);
        });

    it("is reproducible for a given seed", async () => {
        const a = await engine.complete({ prefix: "const x = ", maxTokens: 12, temperature: 0.8, seed: 5 });
        const b = await engine.complete({ prefix: "const x = ", maxTokens: 12, temperature: 0.8, seed: 5 });
        assert.deepEqual(a.tokens, b.tokens);
    });
});
