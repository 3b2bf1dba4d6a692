import * as assert from "node:assert/strict";
import { ConfidenceCalibration } from "../../../src/engine/ConfidenceCalibration";

describe("ConfidenceCalibration", () => {
    it("starts from a prior that grows with confidence and discounts it", () => {
        const calibration = new ConfidenceCalibration();
        const low = calibration.acceptance(0.15);
        const high = calibration.acceptance(0.97);
        assert.ok(low < high, `${low} < ${high}`);
        assert.ok(high < 0.97 && high > 0.6, String(high));
    });

    it("learns what each confidence band is worth for this pair", () => {
        const calibration = new ConfidenceCalibration();
        // This draft is right at 0.5 confidence nearly always, and wrong at 0.95 nearly always.
        for (let i = 0; i < 200; i++) {
            calibration.record([0.55], 1);
            calibration.record([0.96], 0);
        }
        assert.ok(calibration.acceptance(0.55) > 0.9, String(calibration.acceptance(0.55)));
        assert.ok(calibration.acceptance(0.96) < 0.1, String(calibration.acceptance(0.96)));
    });

    it("counts only the tokens a verify judged: the accepted ones and the first rejected one", () => {
        const calibration = new ConfidenceCalibration();
        const before = calibration.acceptance(0.35);
        // Two accepted at 0.85, the third (0.65) rejected, the fourth (0.35) never judged.
        for (let i = 0; i < 100; i++)
            calibration.record([0.85, 0.85, 0.65, 0.35], 2);
        assert.ok(calibration.acceptance(0.85) > 0.9);
        assert.ok(calibration.acceptance(0.65) < 0.1);
        assert.equal(calibration.acceptance(0.35), before, "an unjudged token taught something");
    });

    it("treats out-of-range confidences as the nearest band", () => {
        const calibration = new ConfidenceCalibration();
        assert.equal(calibration.acceptance(Number.NaN), calibration.acceptance(0));
        assert.equal(calibration.acceptance(1.5), calibration.acceptance(1));
    });

    it("uses the caller's fallback until a band has evidence of its own, then the band's record", () => {
        const calibration = new ConfidenceCalibration();
        assert.equal(calibration.acceptance(0.35, 0.8), 0.8, "no evidence yet: the source's usual acceptance");
        for (let i = 0; i < 7; i++)
            calibration.record([0.35], 1);
        assert.equal(calibration.acceptance(0.35, 0.2), 0.2, "seven judged tokens are not enough");
        calibration.record([0.35], 1);
        assert.ok(calibration.acceptance(0.35, 0.2) > 0.6, String(calibration.acceptance(0.35, 0.2)));
    });
});
