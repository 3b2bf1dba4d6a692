import * as assert from "node:assert/strict";
import { BatchCostCurve } from "../../../src/bench/analytic";
import { exactness, formatCeilingTable, formatPerTaskTable, formatVariantsTable, renderSpeedupChart, variantRows } from "../../../src/bench/report";
import { totalsByVariant, type VariantsTaskResult } from "../../../src/bench/runVariants";
import { allVariants, selectVariants } from "../../../src/bench/variants";

const run = (tokens: number, decodeMs: number, extra: Partial<{ drafted: number; accepted: number; evals: number; identical: boolean; cpuMs: number }> = {}) => ({
    tokens, decodeMs, identical: extra.identical ?? true, draftedTokens: extra.drafted ?? 0, acceptedTokens: extra.accepted ?? 0,
    targetEvals: extra.evals ?? tokens, draftMs: 0, targetMs: decodeMs * 0.9, cpuMs: extra.cpuMs ?? 0
});

describe("bench: report formatting", () => {
    const variants = selectVariants("target,k4", 0);
    const results: VariantsTaskResult[] = [
        { id: "a", promptTokens: 100, runs: { target: run(40, 2000), k4: run(40, 1000, { drafted: 40, accepted: 30, evals: 10 }) } },
        { id: "b", promptTokens: 100, runs: { target: run(20, 1000), k4: run(20, 500, { drafted: 20, accepted: 10, evals: 5, identical: false }) } }
    ];
    const curve = new BatchCostCurve([{ size: 1, ms: 40 }, { size: 9, ms: 200 }]);

    it("totals, speedup, acceptance and mismatches per variant", () => {
        const totals = totalsByVariant(results, variants);
        const rows = variantRows(totals, variants, { target: curve, draftMsPerToken: 0.5 });
        const k4 = rows.find((row) => row.id === "k4")!;
        assert.equal(k4.speedup, 2);
        assert.equal(k4.acceptanceRate, 40 / 60);
        assert.equal(k4.tokensPerTargetEval, 4);
        assert.equal(k4.mismatches, 1);
        assert.deepEqual(k4.mismatchedIds, ["b"]);
        assert.ok(k4.expectedSpeedup != null && k4.efficiency != null);
        assert.ok(Math.abs(k4.efficiency! - k4.speedup / k4.expectedSpeedup!) < 1e-12);
        const table = formatVariantsTable(rows);
        assert.match(table, /\*\*2\.00×\*\*/);
        assert.match(table, /1 MISMATCH/);
        assert.equal(table.split("\n").length, 2 + rows.length);
    });

    it("an output that leaves the target's at a floating-point near tie is reported as such, not as a mismatch", () => {
        const tied: VariantsTaskResult[] = [
            results[0],
            { id: "b", promptTokens: 100, runs: { target: run(20, 1000), k4: { ...run(20, 500, { identical: false }), nearTie: true } } },
            { id: "c", promptTokens: 100, runs: { target: run(20, 1000), k4: run(20, 500, { identical: false }) } }
        ];
        const k4 = variantRows(totalsByVariant(tied, variants), variants, { target: curve, draftMsPerToken: 0.5 }).find((row) => row.id === "k4")!;
        assert.equal(k4.mismatches, 1);
        assert.deepEqual(k4.mismatchedIds, ["c"]);
        assert.equal(k4.nearTies, 1);
        assert.deepEqual(k4.nearTieIds, ["b"]);
        assert.equal(exactness(k4), "**1 MISMATCH**, 1 near tie");
        assert.equal(exactness({ tasks: 3, mismatches: 0, nearTies: 1, nearTieIds: ["b"] }), "2/3, 1 near tie (b)");
        assert.equal(exactness({ tasks: 3, mismatches: 0, nearTies: 0, nearTieIds: [] }), "3/3");
        assert.match(formatPerTaskTable(tied.slice(0, 2), ["target", "k4"]), /yes, up to a near tie \(k4\)/);
    });

    it("ceiling table and chart", () => {
        const table = formatCeilingTable(curve, 0.5, [0.9, 1], 8);
        assert.match(table, /\| 1\.00 \| 8 \| 1\.76× \| 32 \|/);
        const svg = renderSpeedupChart([{ k: 1, measured: 1.2, expected: 1.3, acceptance: 0.7 }, { k: 8, measured: 1.5, expected: 1.6, acceptance: 0.4 }], [{ label: "peer <x>", speedup: 1.1 }], "T & t");
        assert.match(svg, /^<svg /);
        assert.match(svg, /peer &lt;x&gt;/);
        assert.match(svg, /T &amp; t/);
        assert.ok(svg.trim().endsWith("</svg>"));
    });

    it("variant selection always keeps the reference and rejects unknown ids", () => {
        assert.equal(selectVariants("all", 0).length, allVariants(0).length);
        assert.deepEqual(selectVariants("hybrid", 0).map((variant) => variant.id), ["target", "hybrid"]);
        assert.throws(() => selectVariants("k3", 0), /unknown variant "k3"/);
    });
});

describe("formatPerTaskTable", () => {
    it("gives each task's speedup in tokens per second and flags a mismatch by variant", () => {
        const table = formatPerTaskTable([
            { id: "a.js:1", promptTokens: 900, runs: { target: run(48, 2000), hybrid: run(48, 1000) } },
            // The hybrid stopped at an end-of-generation token: 24 tokens in 500 ms is the same speed as 48 in 1000.
            { id: "b.js:2", promptTokens: 700, runs: { target: run(48, 1200), hybrid: run(24, 500, { identical: false }) } }
        ], ["target", "hybrid"]);
        const lines = table.split("\n");
        assert.equal(lines[0], "| task | prompt tokens | hybrid | exact |");
        assert.equal(lines[2], "| a.js:1 | 900 | 2.00× | yes |");
        assert.equal(lines[3], "| b.js:2 | 700 | 1.20× | **no: hybrid** |");
    });
});

describe("variantRows: speed-up by CPU time", () => {
    it("divides tokens per CPU millisecond by target alone's, and leaves it out where CPU time was not measured", () => {
        const variants = selectVariants("target,hybrid,server", 0);
        const results: VariantsTaskResult[] = [
            // Wall time says 2× (a quiet moment for the hybrid); CPU time says 1.25×.
            { id: "a", promptTokens: 100, runs: { target: run(40, 2000, { cpuMs: 1000 }), hybrid: run(40, 1000, { cpuMs: 800 }), server: run(40, 800) } }
        ];
        const rows = variantRows(totalsByVariant(results, variants), variants, { target: new BatchCostCurve([{ size: 1, ms: 40 }, { size: 9, ms: 200 }]), draftMsPerToken: 1 });
        const byId = new Map(rows.map((row) => [row.id, row]));
        assert.equal(byId.get("hybrid")!.speedup, 2);
        assert.equal(byId.get("hybrid")!.cpuSpeedup, 1.25);
        assert.equal(byId.get("target")!.cpuSpeedup, 1);
        assert.equal(byId.get("server")!.cpuSpeedup, undefined);
    });
});
