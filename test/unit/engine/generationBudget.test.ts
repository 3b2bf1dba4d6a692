import * as assert from "node:assert/strict";
import { generationBudget, maxTokensFor } from "../../../src/engine/generationBudget";
import { isSpeculaError } from "../../../src/engine/SpeculaError";

describe("generationBudget: the prompt keeps at least half the context", () => {
    it("caps maxTokens close to the context size instead of starving the prompt", () => {
        // issue 13: maxTokens 4085 on a 4096 context left the prompt 4096 − 4085 − 8 − 2 = 1 token (floored).
        const budget = generationBudget(4096, 8, 4085);
        assert.equal(budget.capped, true);
        assert.equal(budget.maxTokens, 2038);
        assert.equal(budget.promptTokens, 2048);
        assert.equal(maxTokensFor(4096, 8), 2038);
    });

    it("leaves ordinary requests alone", () => {
        assert.deepEqual(generationBudget(4096, 8, 128), { maxTokens: 128, promptTokens: 4096 - 128 - 8 - 2, capped: false });
        assert.deepEqual(generationBudget(512, 32, 1024), { maxTokens: 222, promptTokens: 256, capped: true });
        assert.equal(generationBudget(2048, 0, 0).maxTokens, 0);
    });

    it("refuses numbers that would make the budget meaningless", () => {
        for (const [maxTokens, draftMax] of [[Number.NaN, 8], [-1, 8], [Number.POSITIVE_INFINITY, 8], ["abc" as unknown as number, 8], [64, -100_000], [64, 1e9], [64, 2.5]] as const)
            assert.throws(() => generationBudget(4096, draftMax, maxTokens), (error: unknown) => {
                assert.ok(isSpeculaError(error) && error.code === "BAD_ARGUMENT", String(error));
                return true;
            }, `maxTokens ${String(maxTokens)}, draftMax ${draftMax}`);
    });
});
