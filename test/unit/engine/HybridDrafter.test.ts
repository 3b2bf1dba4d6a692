import * as assert from "node:assert/strict";
import { DraftLengthController } from "../../../src/engine/DraftLengthController";
import type { DraftRound, Proposal } from "../../../src/engine/drafters/Drafter";
import { HybridDrafter } from "../../../src/engine/drafters/HybridDrafter";
import { LookupDrafter } from "../../../src/engine/drafters/LookupDrafter";
import type { ModelDrafter } from "../../../src/engine/drafters/ModelDrafter";
import { wallClock } from "../../../src/engine/costClock";
import { SeededRandom } from "../../../src/engine/speculativeSampling";

const tokens = (text: string) => [...Buffer.from(text, "latin1")] as never[];

function round(history: number[], controller: DraftLengthController): DraftRound {
    return {
        history: history as never[], limit: 40, greedy: true, sampling: { temperature: 0, topK: 40, topP: 1, minP: 0 },
        random: new SeededRandom(1), signal: new AbortController().signal,
        stats: { draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, generatedTokens: 0, acceptanceRate: 0, tokensPerTargetEval: 0, promptTokens: 0, reusedPromptTokens: 0, promptMs: 0, draftMs: 0, targetMs: 0, totalMs: 0 },
        context: undefined, controller, draftMax: 8, draftConfidence: 0, costClock: wallClock
    };
}

/** Stands in for the draft model: always proposes one token (0x21) and counts its calls, remembering what it was asked to continue. */
function fakeModel(): ModelDrafter & { calls: number; continued: Array<{ history: number; length: number } | undefined>; rolledBack: number } {
    const model = {
        calls: 0,
        continued: [] as Array<{ history: number; length: number } | undefined>,
        rolledBack: 0,
        begin: async () => {},
        propose: async (asked: DraftRound, after?: { length: number }): Promise<Proposal> => {
            model.calls++;
            model.continued.push(after == null ? undefined : { history: asked.history.length, length: after.length });
            return { source: "model", tokens: [0x21 as never], distributions: [new Map([[0x21 as never, 1]])], model: { from: 0, confidences: [0.9] } };
        },
        afterRound: async () => {
            model.rolledBack++;
        },
        end: () => {}
    };
    return model as unknown as ModelDrafter & { calls: number; continued: Array<{ history: number; length: number } | undefined>; rolledBack: number };
}

describe("HybridDrafter", () => {
    const history = tokens("const value = compute(alpha); const other = compute(alp");

    it("copies when lookup finds a match whose kind is accepted about as often as the model", async () => {
        const model = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), model);
        await hybrid.begin(history);
        const proposal = await hybrid.propose(round(history, new DraftLengthController({ maxDraft: 8, adaptive: false })));
        assert.equal(proposal.source, "ngram8");
        assert.equal(Buffer.from(proposal.tokens).toString("latin1"), "ha); con");
        assert.equal(model.calls, 0);
    });

    it("asks the model when copies of that kind have been rejected more than the model's tokens", async () => {
        const model = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), model);
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: false });
        for (let i = 0; i < 20; i++)
            controller.recordAcceptance(4, 0, "ngram8");
        await hybrid.begin(history);
        const proposal = await hybrid.propose(round(history, controller));
        assert.equal(proposal.source, "model");
        assert.equal(model.calls, 1);
    });

    it("asks the model when the controller finds the copy not worth verifying this round", async () => {
        const model = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), model);
        // Adaptive, with a verified token as dear as a single eval: no copy length pays at the prior's α.
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        controller.recordTargetCost(1, 10);
        controller.recordTargetCost(9, 90);
        for (let i = 0; i < 20; i++)
            controller.recordAcceptance(4, 0, "model");
        await hybrid.begin(history);
        const proposal = await hybrid.propose(round(history, controller));
        assert.equal(proposal.source, "model");
        assert.equal(model.calls, 1);
    });

    it("greedy: lets the draft model continue a copy that is likely accepted whole, in the same batch", async () => {
        const model = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), model);
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: false });
        for (let i = 0; i < 30; i++)
            controller.recordAcceptance(8, 8, "ngram8");
        await hybrid.begin(history);
        const proposal = await hybrid.propose(round(history, controller));
        assert.equal(proposal.source, "ngram8");
        assert.equal(Buffer.from(proposal.tokens).toString("latin1"), "ha); con!", "the copy, then the model's token");
        assert.deepEqual(model.continued, [{ history: history.length + 8, length: 8 }], "the model drafts from the copy's end");
        assert.deepEqual(proposal.model, { from: 8, confidences: [0.9] });
        await hybrid.afterRound(history);
        assert.equal(model.rolledBack, 1, "the model's cache is rolled back after a round it took part in");
    });

    it("does not continue a copy that is unlikely to be accepted whole, nor when sampling", async () => {
        const model = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), model);
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: false });
        await hybrid.begin(history);
        // The prior α of a 8–15-token match is 0.8: a whole 8-token copy is accepted with 0.8^8 ≈ 0.17.
        const proposal = await hybrid.propose(round(history, controller));
        assert.equal(proposal.tokens.length, 8);
        assert.equal(model.calls, 0);
        for (let i = 0; i < 30; i++)
            controller.recordAcceptance(8, 8, "ngram8");
        const sampled = await hybrid.propose({ ...round(history, controller), greedy: false });
        assert.equal(sampled.tokens.length, 8);
        assert.equal(model.calls, 0);
    });

    it("greedy: skips a copy kind whose rounds have lost time, and asks the model instead", async () => {
        const model = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), model);
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        for (let batch = 1; batch <= 9; batch++)
            controller.recordTargetCost(batch, 5 + batch);
        for (let i = 0; i < 6; i++)
            controller.recordRound({ source: "ngram8", context: undefined, committed: 1, verifyMs: 14, draftMs: 0 });
        await hybrid.begin(history);
        const proposal = await hybrid.propose(round(history, controller));
        assert.equal(proposal.source, "model");
        assert.equal(model.calls, 1);
    });

    it("greedy: takes the copy when the payoff ledger has stopped the draft model, even if the model's tokens are accepted more often", async () => {
        const model = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), model);
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        for (let batch = 1; batch <= 9; batch++)
            controller.recordTargetCost(batch, 10 + 0.5 * batch);
        // Copies of this kind: accepted 70 % a token; the model 95 %, but its rounds lost time (slow drafting).
        for (let i = 0; i < 30; i++) {
            controller.recordAcceptance(4, i % 10 < 7 ? 4 : 2, "ngram8");
            controller.recordAcceptance(8, 8, "model");
        }
        for (let i = 0; i < 6; i++)
            controller.recordRound({ source: "model", context: undefined, committed: 9, verifyMs: 15, draftMs: 200 });
        await hybrid.begin(history);
        const proposal = await hybrid.propose(round(history, controller));
        assert.equal(proposal.source, "ngram8");
        assert.equal(model.continued.filter((entry) => entry == null).length, 0, "the model was asked to draft on its own");
    });

    it("greedy: picks the source with the higher expected tokens per millisecond, counting the model's draft cost", async () => {
        const setup = (draftMsPerToken: number) => {
            const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
            for (let batch = 1; batch <= 9; batch++)
                controller.recordTargetCost(batch, 10 + 0.5 * batch);
            controller.recordDraftCost(1, draftMsPerToken, "model");
            for (let i = 0; i < 30; i++) {
                controller.recordAcceptance(4, i % 10 < 6 ? 4 : 1, "ngram8");
                controller.recordAcceptance(8, 8, "model");
            }
            return controller;
        };
        const cheapModel = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), cheapModel);
        await hybrid.begin(history);
        assert.equal((await hybrid.propose(round(history, setup(0.1)))).source, "model", "a cheap, reliable model beats a so-so copy");
        const dearModel = fakeModel();
        const other = new HybridDrafter(new LookupDrafter({}, () => "yes"), dearModel);
        await other.begin(history);
        assert.equal((await other.propose(round(history, setup(20)))).source, "ngram8", "a model whose tokens cost 20 ms each does not");
    });

    it("sampling: always the copy, whatever earlier rounds taught the controller (a seed must reproduce a completion)", async () => {
        const model = fakeModel();
        const hybrid = new HybridDrafter(new LookupDrafter({}, () => "yes"), model);
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: false });
        for (let i = 0; i < 30; i++) {
            controller.recordAcceptance(4, 0, "ngram8");
            controller.recordAcceptance(8, 8, "model");
        }
        await hybrid.begin(history);
        const proposal = await hybrid.propose({ ...round(history, controller), greedy: false });
        assert.equal(proposal.source, "ngram8");
        assert.equal(model.calls, 0);
    });
});
