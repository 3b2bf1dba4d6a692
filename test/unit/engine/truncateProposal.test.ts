import * as assert from "node:assert/strict";
import { noProposal, spentDrafting, truncateProposal, type Proposal } from "../../../src/engine/drafters/Drafter";

const tokens = (...ids: number[]) => ids as never[];

describe("truncateProposal", () => {
    const copyThenModel: Proposal = {
        source: "ngram16",
        tokens: tokens(1, 2, 3, 4, 5, 6),
        distributions: [],
        model: { from: 3, confidences: [0.9, 0.8, 0.7] }
    };

    it("keeps the first tokens and the draft model's confidences for the ones kept", () => {
        const cut = truncateProposal(copyThenModel, 5);
        assert.deepEqual(cut.tokens, [1, 2, 3, 4, 5]);
        assert.deepEqual(cut.model, { from: 3, confidences: [0.9, 0.8] });
        assert.equal(cut.source, "ngram16");
    });

    it("drops the model's part when the cut falls inside the copy", () => {
        const cut = truncateProposal(copyThenModel, 2);
        assert.deepEqual(cut.tokens, [1, 2]);
        assert.equal(cut.model, undefined);
    });

    it("a retry's policy length shrinks with the cut; a cut past the end changes nothing", () => {
        const retry: Proposal = { source: "model", tokens: tokens(7, 8, 9, 10), distributions: [], model: { from: 0, confidences: [], probe: { policyLength: 3 } } };
        assert.deepEqual(truncateProposal(retry, 2).model, { from: 0, confidences: [], probe: { policyLength: 2 } });
        assert.equal(truncateProposal(retry, 4), retry);
    });
});

describe("spentDrafting", () => {
    it("a round that drafted nothing and ran no draft eval tells the payoff ledger nothing; one whose drafts were all cut does, and a cut keeps the evals", () => {
        assert.equal(spentDrafting(noProposal("model")), false);
        assert.equal(spentDrafting({ ...noProposal("model"), draftEvals: 0 }), false);
        assert.equal(spentDrafting({ ...noProposal("model"), draftEvals: 3 }), true, "three draft evals spent for nothing");
        assert.equal(spentDrafting({ source: "ngram8", tokens: tokens(1, 2), distributions: [] }), true, "a copy costs no eval but is verified");
        const drafted: Proposal = { source: "model", tokens: tokens(1, 2, 3), distributions: [], draftEvals: 3, model: { from: 0, confidences: [] } };
        assert.equal(truncateProposal(drafted, 0).draftEvals, 3);
        assert.equal(spentDrafting(truncateProposal(drafted, 0)), true);
    });
});
