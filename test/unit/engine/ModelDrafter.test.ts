import * as assert from "node:assert/strict";
import { wallClock } from "../../../src/engine/costClock";
import { DraftLengthController } from "../../../src/engine/DraftLengthController";
import type { DraftRound } from "../../../src/engine/drafters/Drafter";
import { ModelDrafter } from "../../../src/engine/drafters/ModelDrafter";
import { SeededRandom } from "../../../src/engine/speculativeSampling";
import type { ModelRunner } from "../../../src/engine/ModelRunner";

/** A greedy round over `history` with the given controller, limit (also K) and cost clock. */
function greedyRound(history: readonly number[], controller: DraftLengthController, limit: number, costClock: DraftRound["costClock"] = wallClock): DraftRound {
    return {
        history: history as never[], limit, greedy: true, sampling: { temperature: 0, topK: 40, topP: 1, minP: 0 },
        random: new SeededRandom(1), signal: new AbortController().signal,
        stats: { draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, generatedTokens: 0, acceptanceRate: 0, tokensPerTargetEval: 0, promptTokens: 0, reusedPromptTokens: 0, promptMs: 0, draftMs: 0, targetMs: 0, totalMs: 0 },
        context: undefined, controller, draftMax: limit, draftConfidence: 0, costClock
    };
}

/** A fake draft runner: its cache mirror, prefill and evaluate (`answer` gives the last item's output). */
function fakeRunner(answer: (items: Array<number | [number, { generateNext: Record<string, unknown> }]>) => unknown, cachedTokens: number[] = []) {
    const runner = {
        cachedTokens,
        model: { isEogToken: () => false },
        prefill: async (tokens: readonly number[]) => {
            runner.cachedTokens.push(...tokens);
            return true;
        },
        evaluate: async (items: Array<number | [number, { generateNext: Record<string, unknown> }]>) => {
            for (const item of items)
                runner.cachedTokens.push(typeof item === "number" ? item : item[0]);
            const next = answer(items);
            return items.map((_, index) => index === items.length - 1 ? { next } : undefined);
        },
        keepCommonPrefix: async (kept: readonly number[], limit: number) => {
            runner.cachedTokens = kept.slice(0, Math.min(limit, runner.cachedTokens.length));
        }
    };
    return runner;
}

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

    it("a retry of a stopped model is verified uncut and says which prefix the usual round would have kept", async () => {
        const confidences = [0.99, 0.99, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25];
        let evals = 0;
        const runner = fakeRunner(() => {
            const confidence = confidences[evals++];
            return { token: 50 + evals, probabilities: new Map([[3, (1 - confidence) / 4], [50 + evals, confidence], [4, (1 - confidence) / 4]]) };
        });
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        for (let batch = 1; batch <= 9; batch++)
            controller.recordTargetCost(batch, 10 + 4 * (batch - 1));
        controller.recordDraftCost(1, 0.5, "model");
        for (let i = 0; i < 10; i++) {
            controller.calibration.record([0.99], 1);
            controller.calibration.record([0.25], 0);
        }
        for (let i = 0; i < 6; i++)
            controller.recordRound({ source: "model", context: undefined, committed: 1, verifyMs: 30, draftMs: 4 });
        const drafter = new ModelDrafter(runner as unknown as ModelRunner, 100);
        const round = greedyRound([1, 2, 3], controller, 8);
        const proposals = [];
        for (let i = 0; i < 8; i++)
            proposals.push(await drafter.propose(round));
        assert.deepEqual(proposals.slice(0, 7).map((proposal) => proposal.tokens.length), [0, 0, 0, 0, 0, 0, 0], "stopped: no drafting");
        const retry = proposals[7];
        const probeLength = controller.probeLength("model", 8);
        assert.ok(probeLength > 2, `the probe's length ${probeLength}`);
        assert.ok(proposals.slice(0, 7).every((proposal) => (proposal.draftEvals ?? 0) === 0), "a skipped round spends no draft eval and says so");
        assert.equal(retry.tokens.length, probeLength, "verified uncut");
        assert.equal(retry.draftEvals, probeLength);
        assert.deepEqual(retry.model?.probe, { policyLength: 2 }, "the two confident tokens are what the calibration keeps");
    });

    it("stops asking node-llama-cpp for the draft's confidence where it doubles a draft eval, and still drafts", async () => {
        let priced = 0;
        const asked: boolean[] = [];
        const runner = fakeRunner((items) => {
            const last = items[items.length - 1] as [number, { generateNext: { probabilities?: boolean } }];
            const confidence = last[1].generateNext.probabilities === true;
            asked.push(confidence);
            priced = confidence ? 0.9 : 0.4;
            return confidence ? { probabilities: new Map([[7, 0.9], [6, 0.1]]) } : { token: 7 };
        });
        const controller = new DraftLengthController({ maxDraft: 4, adaptive: false });
        const drafter = new ModelDrafter(runner as unknown as ModelRunner, 100);
        const round = (history: number[]): DraftRound => greedyRound(history, controller, 4, () => () => priced);
        const history = [1, 2, 3];
        const proposals = [];
        for (let i = 0; i < 4; i++) {
            const proposal = await drafter.propose(round(history));
            proposals.push(proposal);
            history.push(...proposal.tokens, 8);
            await drafter.afterRound(history as never[]);
        }
        assert.equal(drafter.confidencePrice.worthIt, false);
        assert.ok(asked.slice(-4).every((ask) => !ask), asked.join(","));
        assert.deepEqual(proposals[3].tokens, [7, 7, 7, 7], "the draft still proposes");
        assert.deepEqual(proposals[3].model?.confidences, [], "nothing for the calibration to learn from");
    });

    it("asks for a greedy token's confidence as the draft's top-k probabilities (a partial sort, not node-llama-cpp's full sort) and drafts their most likely token", async () => {
        const requests: unknown[] = [];
        // node-llama-cpp samples a token from the top k at temperature 1; the drafter must not use it.
        const runner = fakeRunner((items) => {
            requests.push((items[items.length - 1] as [number, { generateNext: unknown }])[1].generateNext);
            return { token: 5, probabilities: new Map([[5, 0.25], [9, 0.7], [6, 0.05]]) };
        });
        const controller = new DraftLengthController({ maxDraft: 2, adaptive: false });
        const drafter = new ModelDrafter(runner as unknown as ModelRunner, 100);
        const proposal = await drafter.propose(greedyRound([1, 2, 3], controller, 2));
        assert.deepEqual(proposal.tokens, [9, 9], "the most likely token, not the sampled one");
        assert.deepEqual(proposal.model?.confidences, [0.7, 0.7]);
        const asked = requests[0] as { probabilities?: boolean; confidence?: boolean; options?: { temperature?: number; topK?: number } };
        assert.equal(asked.probabilities, true);
        assert.equal(asked.confidence, undefined, "confidence: true sorts the whole vocabulary");
        assert.equal(asked.options?.temperature, 1);
        assert.ok(asked.options?.topK != null && asked.options.topK <= 16, `top-k ${asked.options?.topK}`);
    });

    it("a draft behind on the prompt catches up before drafting, timed apart, and the round reports the catch-up (the engine leaves it out of the round's cost)", async () => {
        const calls: string[] = [];
        let clock = 0;
        const runner = {
            cachedTokens: [1, 2] as number[],
            model: { isEogToken: () => false },
            prefill: async (tokens: readonly number[]) => {
                calls.push(`prefill ${tokens.join(",")}`);
                clock += 40;
                runner.cachedTokens.push(...tokens);
                return true;
            },
            evaluate: async (items: Array<number | [number, unknown]>) => {
                calls.push(`evaluate ${items.map((item) => typeof item === "number" ? item : item[0]).join(",")}`);
                clock += 0.5;
                for (const item of items)
                    runner.cachedTokens.push(typeof item === "number" ? item : item[0]);
                return items.map((_, index) => index === items.length - 1 ? { next: { token: 9, probabilities: new Map([[9, 0.9]]) } } : undefined);
            }
        };
        const controller = new DraftLengthController({ maxDraft: 2, adaptive: false });
        const drafter = new ModelDrafter(runner as unknown as ModelRunner, 100);
        const proposal = await drafter.propose(greedyRound([1, 2, 3, 4, 5, 6, 7], controller, 2, () => {
            const started = clock;
            return () => clock - started;
        }));
        assert.deepEqual(calls, ["prefill 3,4,5", "evaluate 6,7", "evaluate 9"], "the prompt apart, then the usual two tokens");
        assert.equal(proposal.catchUpMs, 40);
        assert.equal(proposal.draftEvals, 2);
        assert.deepEqual(proposal.tokens, [9, 9]);
    });
});
