import * as assert from "node:assert/strict";
import { DraftLengthController } from "../../../src/engine/DraftLengthController";
import { SeededRandom } from "../../../src/engine/SeededRandom";

function trained(acceptance: number, targetMs: (batch: number) => number, draftMs: number): DraftLengthController {
    const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
    for (let batch = 1; batch <= 9; batch++)
        for (let i = 0; i < 20; i++)
            controller.recordTargetCost(batch, targetMs(batch));
    controller.recordDraftCost(1, draftMs);
    // Rounds of 8 drafts whose accepted count follows a geometric law with parameter `acceptance`.
    const random = new SeededRandom(5);
    for (let i = 0; i < 200; i++) {
        let accepted = 0;
        while (accepted < 8 && random.next() < acceptance)
            accepted++;
        controller.recordAcceptance(8, accepted);
    }
    return controller;
}

describe("DraftLengthController", () => {
    it("largestBatchWithin: the largest batch whose measured or extrapolated cost fits the time, none before a measurement", () => {
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        assert.equal(controller.largestBatchWithin(150), undefined);
        // A CPU's verify costs: 20 ms plus 12 ms a token, measured up to 9 tokens.
        for (let batch = 1; batch <= 9; batch++)
            controller.recordTargetCost(batch, 20 + 12 * batch);
        assert.equal(controller.largestBatchWithin(150), 10, "extrapolated past the measured sizes");
        assert.equal(controller.largestBatchWithin(80), 5);
        assert.equal(controller.largestBatchWithin(150, 7), 7, "capped by the limit");
        assert.equal(controller.largestBatchWithin(10), 1, "one token always fits");
        // A GPU: a batch costs about what one token does.
        const gpu = new DraftLengthController({ maxDraft: 8, adaptive: true });
        gpu.recordTargetCost(1, 5);
        gpu.recordTargetCost(9, 6);
        assert.equal(gpu.largestBatchWithin(150, 64), 64);
    });

    it("returns the fixed K when not adaptive", () => {
        assert.equal(new DraftLengthController({ maxDraft: 5, adaptive: false }).next(), 5);
        assert.equal(new DraftLengthController({ maxDraft: 0, adaptive: true }).next(), 0);
    });

    it("drafts long when acceptance is high and verification is cheap", () => {
        const controller = trained(0.9, (b) => 10 + b, 0.5);
        const k = controller.next();
        assert.ok(controller.acceptance() > 0.8, String(controller.acceptance()));
        assert.ok(k >= 5, `K=${k}`);
    });

    it("drafts short when acceptance is low", () => {
        const k = trained(0.35, (b) => 10 + 3 * b, 1).next();
        assert.ok(k >= 0 && k <= 2, `K=${k}`);
    });

    it("stops drafting when speculation cannot pay, but probes now and then", () => {
        const controller = trained(0.05, (b) => 10 * b, 5);
        const ks = Array.from({ length: 16 }, () => controller.next());
        assert.ok(ks.filter((k) => k === 0).length >= 12, ks.join(","));
        assert.ok(ks.some((k) => k > 0), "never probes");
    });

    it("estimates acceptance from rounds", () => {
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true, smoothing: 0.5 });
        for (let i = 0; i < 50; i++)
            controller.recordAcceptance(4, 4);
        assert.ok(controller.acceptance() > 0.95, String(controller.acceptance()));
        for (let i = 0; i < 50; i++)
            controller.recordAcceptance(4, 0);
        assert.ok(controller.acceptance() < 0.05, String(controller.acceptance()));
    });

    it("estimates acceptance per round context once it has seen enough rounds there", () => {
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true, smoothing: 0.2 });
        for (let batch = 1; batch <= 9; batch++)
            controller.recordTargetCost(batch, 30 + 10 * (batch - 1));
        // Runs: after a fully accepted round the next one is accepted too; after a miss, nothing is.
        for (let i = 0; i < 40; i++) {
            controller.recordAcceptance(6, 6, "ngram", "afterAccept");
            controller.recordAcceptance(6, 0, "ngram", "afterReject");
        }
        const overall = controller.acceptance("ngram");
        assert.ok(controller.acceptance("ngram", "afterAccept") > 0.95, String(controller.acceptance("ngram", "afterAccept")));
        assert.ok(controller.acceptance("ngram", "afterReject") < 0.05, String(controller.acceptance("ngram", "afterReject")));
        assert.ok(overall > 0.05 && overall < 0.95, String(overall));
        assert.ok(controller.next("ngram", "afterAccept") >= 6, String(controller.next("ngram", "afterAccept")));
        assert.equal(controller.next("ngram", "afterReject"), 0);
    });

    it("uses the overall estimate for a context it has not seen often enough", () => {
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true, smoothing: 0.5 });
        for (let i = 0; i < 30; i++)
            controller.recordAcceptance(4, 4, "model");
        controller.recordAcceptance(4, 0, "model", "first");
        const overall = controller.acceptance("model");
        assert.equal(controller.acceptance("model", "first"), overall);
        assert.equal(controller.acceptance("model", "afterReject"), overall);
    });
});

describe("DraftLengthController: cost-aware proposals", () => {
    /** A CPU-like curve: a verify of b tokens costs 10 ms per token (no batching discount). */
    function cpu(): DraftLengthController {
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        for (let batch = 1; batch <= 9; batch++)
            controller.recordTargetCost(batch, 10 * batch);
        return controller;
    }
    /** A GPU-like curve: any batch up to 64 costs about one token. */
    function gpu(): DraftLengthController {
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        controller.recordTargetCost(1, 10);
        controller.recordTargetCost(64, 11);
        return controller;
    }

    it("bestPrefix proposes nothing where the verify costs as much as plain decoding would", () => {
        assert.equal(cpu().bestPrefix([0.9, 0.9, 0.9, 0.9]), 0);
        assert.equal(cpu().bestPrefix([1, 1, 1, 1]), 0, "even certain tokens only break even");
    });

    it("bestPrefix keeps the prefix that maximises tokens per millisecond where verifying is cheap", () => {
        assert.equal(gpu().bestPrefix([0.9, 0.9, 0.9, 0.9]), 4);
        // On a flat curve extra tokens cost nothing: only a token that cannot be accepted ends the prefix.
        assert.equal(gpu().bestPrefix([0.9, 0.9, 0, 0.9]), 2);
        // A steeper curve: 10 ms + 2 ms a token; low-confidence tail tokens are cut.
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        for (let batch = 1; batch <= 9; batch++)
            controller.recordTargetCost(batch, 10 + 2 * (batch - 1));
        assert.equal(controller.bestPrefix([0.95, 0.95, 0.1, 0.1, 0.1]), 2);
    });

    it("bestPrefix keeps everything before any cost is measured, and when not adaptive", () => {
        assert.equal(new DraftLengthController({ maxDraft: 8, adaptive: true }).bestPrefix([0.1, 0.1]), 2);
        assert.equal(new DraftLengthController({ maxDraft: 8, adaptive: false }).bestPrefix([0.1]), 1);
    });

    it("bestExtension adds model tokens after a copy only when they raise the round's rate", () => {
        const controller = gpu();
        assert.equal(controller.bestExtension({ length: 6, reach: 0.9, expected: 6 }, [0.9, 0.9, 0.9]), 3);
        assert.equal(cpu().bestExtension({ length: 6, reach: 0.9, expected: 6 }, [0.5, 0.5]), 0);
    });

    it("worthDraftingAnother stops a draft model whose next token cannot pay for itself", () => {
        const controller = cpu();
        controller.recordDraftCost(1, 3, "model");
        // One more token costs 3 ms of drafting + 10 ms of verify; it can add at most `cumulative` tokens (10 ms each).
        assert.equal(controller.worthDraftingAnother(0.9, 1), false);
        const flat = gpu();
        flat.recordDraftCost(1, 3, "model");
        assert.equal(flat.worthDraftingAnother(0.9, 1), true);
        assert.equal(flat.worthDraftingAnother(0.2, 1), false, "3 ms of drafting for 0.2 expected tokens of 10 ms");
    });

    it("payoff: the ledger vetoes a source whose rounds cost more than they saved", () => {
        const controller = cpu();
        assert.equal(controller.payoff("model", "first"), "draft");
        for (let i = 0; i < 6; i++)
            controller.recordRound({ source: "model", context: "afterReject", committed: 1, verifyMs: 20, draftMs: 3 });
        assert.ok(controller.averageSaving("model")! < 0);
        assert.equal(controller.payoff("model", "afterReject"), "skip");
        assert.equal(controller.payoff("model", "first"), "skip", "an unmeasured context falls back to the source's record");
        // Long copies that are accepted earn their keep on the same machine.
        for (let i = 0; i < 6; i++)
            controller.recordRound({ source: "ngram32", context: "afterAccept", committed: 9, verifyMs: 50, draftMs: 0 });
        assert.equal(controller.payoff("ngram32", "afterAccept"), "draft");
        assert.equal(new DraftLengthController({ maxDraft: 8, adaptive: false }).payoff("model", undefined), "draft");
    });

    it("payoff: rounds after a round that drafted nothing are judged by the source's record, not one of their own", () => {
        const controller = cpu();
        // The model pays where it drafts after an accepted round…
        for (let i = 0; i < 6; i++)
            controller.recordRound({ source: "model", context: "afterAccept", committed: 4, verifyMs: 20, draftMs: 2 });
        // …and loses a little, every time, in rounds after one that drafted nothing (the cost model cut
        // its tokens: two draft evals spent, nothing verified).
        for (let i = 0; i < 6; i++)
            controller.recordRound({ source: "model", context: undefined, committed: 1, verifyMs: 10, draftMs: 1 });
        assert.ok(controller.averageSaving("model")! > 0);
        // A record of its own would stop the model there, and every later round would be there again.
        assert.equal(controller.payoff("model", undefined), "draft");
        assert.equal(controller.vetoed("model", undefined), false);
        assert.equal(controller.payoff("model", "afterAccept"), "draft");
    });

    it("a retry verified uncut is charged what the cut round would have earned, not the exploration's cost", () => {
        const curve = () => {
            const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
            for (let batch = 1; batch <= 9; batch++)
                controller.recordTargetCost(batch, 10 + 4 * (batch - 1));
            return controller;
        };
        const controller = curve();
        for (let i = 0; i < 6; i++)
            controller.recordRound({ source: "model", context: "afterReject", committed: 1, verifyMs: 20, draftMs: 3 });
        const before = controller.averageSaving("model")!;
        // Six tokens drafted and verified uncut, one kept; the calibration would have verified one, which was kept.
        const outcome = { source: "model" as const, context: "afterReject" as const, committed: 2, verifyMs: controller.targetMs(7), draftMs: 6 };
        const probe = { policyLength: 1, drafted: 6, accepted: 1 };
        const charged = curve();
        const policy = 2 - (controller.targetMs(2) + 6 * 2 / 6) / controller.targetMs(1);
        assert.ok(policy > 0 && 2 - (outcome.verifyMs + 6) / controller.targetMs(1) < 0, "the test's figures: the cut round pays, the uncut one loses");
        controller.recordRound({ ...outcome, probe });
        assert.ok(Math.abs(controller.averageSaving("model")! - (0.75 * before + 0.25 * policy)) < 1e-9, `${controller.averageSaving("model")} vs ${0.75 * before + 0.25 * policy}`);
        // Without `probe`, the same round is charged as it ran.
        charged.recordRound(outcome);
        assert.ok(charged.averageSaving("model")! < 0);
    });

    it("probes with the length that would pay for a good source, not one token a CPU's verify makes a sure loss", () => {
        // A CPU-like curve: two tokens cost 1.8 evals, seven 2.6; the prior (α 0.6) drafts nothing.
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true, probeInterval: 4 });
        for (const [batch, ms] of [[1, 10], [2, 18], [3, 20], [4, 22], [5, 24], [6, 26], [7, 28], [8, 30], [9, 32]] as const)
            controller.recordTargetCost(batch, ms);
        controller.recordDraftCost(1, 0.5, "model");
        const ks = Array.from({ length: 8 }, () => controller.next("model", "first"));
        assert.deepEqual(ks.filter((k) => k > 0).length, 2, ks.join(","));
        assert.ok(ks.filter((k) => k > 0).every((k) => k >= 3), `probes drafted ${ks.join(",")}`);
    });
});
