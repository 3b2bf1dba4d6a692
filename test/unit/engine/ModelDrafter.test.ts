import * as assert from "node:assert/strict";
import { ModelDrafter } from "../../../src/engine/drafters/ModelDrafter";
import type { ModelRunner } from "../../../src/engine/ModelRunner";

describe("ModelDrafter", () => {
    it("warm: brings the prompt (all but its pending last token) into the draft's cache on a warm-up request", async () => {
        const prefilled: number[][] = [];
        const runner = {
            cachedTokens: [1, 2, 3],
            prefill: async (tokens: readonly number[]) => {
                prefilled.push([...tokens]);
                return true;
            }
        };
        const drafter = new ModelDrafter(runner as unknown as ModelRunner, 100);
        await drafter.warm([1, 2, 3, 4, 5, 6] as never[], new AbortController().signal);
        assert.deepEqual(prefilled, [[4, 5]]);
    });
});
