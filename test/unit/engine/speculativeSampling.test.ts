import * as assert from "node:assert/strict";
import { acceptOrResample, SeededRandom, sampleFrom } from "../../../src/engine/speculativeSampling";
import { chiSquareHomogeneity } from "../../support/statistics";

describe("speculativeSampling", () => {
    it("SeededRandom is reproducible and roughly uniform", () => {
        const a = new SeededRandom(3);
        const b = new SeededRandom(3);
        const values = Array.from({ length: 10_000 }, () => a.next());
        assert.deepEqual(values.slice(0, 5), Array.from({ length: 5 }, () => b.next()));
        const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
        assert.ok(Math.abs(mean - 0.5) < 0.02, String(mean));
        assert.ok(values.every((value) => value >= 0 && value < 1));
    });

    it("sampleFrom follows the weights", () => {
        const random = new SeededRandom(1);
        const counts = [0, 0, 0];
        for (let i = 0; i < 30_000; i++)
            counts[sampleFrom(new Map([[0, 0.2], [1, 0.5], [2, 0.3]]), random)]++;
        assert.ok(Math.abs(counts[1] / 30_000 - 0.5) < 0.015, String(counts));
        assert.ok(Math.abs(counts[0] / 30_000 - 0.2) < 0.015, String(counts));
    });

    it("draft-then-accept-or-resample yields exactly the target law, whatever the draft", () => {
        const target = new Map([[0, 0.5], [1, 0.3], [2, 0.15], [3, 0.05]]);
        const draft = new Map([[0, 0.1], [1, 0.6], [3, 0.3]]); // disagrees a lot; misses token 2 entirely
        const random = new SeededRandom(11);
        const out: string[] = [];
        const direct: string[] = [];
        let accepted = 0;
        for (let i = 0; i < 20_000; i++) {
            const drafted = sampleFrom(draft, random);
            const decision = acceptOrResample(drafted, target, draft, random);
            if (decision.accepted)
                accepted++;
            out.push(String(decision.accepted ? drafted : decision.token));
            direct.push(String(sampleFrom(target, random)));
        }
        const test = chiSquareHomogeneity(out, direct);
        assert.ok(test.pValue > 0.001, `p=${test.pValue}`);
        // Expected acceptance = Σ min(p, q) = 0.1 + 0.3 + 0 + 0.05 = 0.45.
        assert.ok(Math.abs(accepted / 20_000 - 0.45) < 0.02, String(accepted / 20_000));
    });

    it("always accepts when draft and target agree", () => {
        const same = new Map([[4, 0.7], [5, 0.3]]);
        const random = new SeededRandom(2);
        for (let i = 0; i < 1000; i++)
            assert.equal(acceptOrResample(sampleFrom(same, random), same, same, random).accepted, true);
    });
});
