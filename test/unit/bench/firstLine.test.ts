import * as assert from "node:assert/strict";
import { firstLineOf, percentile, summarizeFirstLines, type FirstLineTiming } from "../../../src/bench/firstLine";

describe("first-line latency summary", () => {
    it("a first line is complete at the line break after non-blank text, not at a leading line break", () => {
        assert.equal(firstLineOf("\n"), undefined);
        assert.equal(firstLineOf("\n    return x"), undefined);
        assert.equal(firstLineOf("\n    return x;\n"), "    return x;");
        assert.equal(firstLineOf("a();\nb();\n"), "a();");
        assert.equal(firstLineOf("const y = 1"), undefined);
    });

    it("nearest-rank percentiles", () => {
        assert.equal(percentile([10, 20, 30, 40], 0.5), 20);
        assert.equal(percentile([10, 20, 30, 40], 0.95), 40);
        assert.equal(percentile([7], 0.5), 7);
        assert.ok(Number.isNaN(percentile([], 0.5)));
    });

    it("medians per mode, their ratio, and the spots where both modes wrote the same line", () => {
        const timings: FirstLineTiming[] = [
            { spot: 0, speculative: true, ms: 60, cpuMs: 50, text: "a();" }, { spot: 0, speculative: false, ms: 100, cpuMs: 40, text: "a();" },
            { spot: 1, speculative: false, ms: 120, cpuMs: 80, text: "b();" }, { spot: 1, speculative: true, ms: 90, cpuMs: 30, text: "b();" },
            { spot: 2, speculative: true, ms: 200, cpuMs: 20, text: "c();" }, { spot: 2, speculative: false, ms: 150, cpuMs: 70, text: "d();" }
        ];
        const summary = summarizeFirstLines(timings);
        assert.equal(summary.spots, 3);
        assert.deepEqual(summary.speculative, { p50Ms: 90, p95Ms: 200 });
        assert.deepEqual(summary.targetAlone, { p50Ms: 120, p95Ms: 150 });
        assert.equal(summary.ratio, 90 / 120);
        assert.equal(summary.cpuRatio, 30 / 70);
        assert.equal(summary.identical, 2);
    });
});
