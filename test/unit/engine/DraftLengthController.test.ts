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
