import { alphaFromAcceptanceRate, type BatchCostCurve, bestFixedK, expectedSpeedup } from "./analytic";
import type { VariantsTaskResult, VariantTotals } from "./runVariants";
import type { VariantId, VariantSpec } from "./variants";

export interface VariantRow {
    readonly id: VariantId;
    readonly label: string;
    readonly tokens: number;
    readonly decodeMs: number;
    readonly tokensPerSecond: number;
    readonly speedup: number;
    /** Speed-up over target alone by CPU time instead of wall time (engine variants; undefined otherwise). */
    readonly cpuSpeedup: number | undefined;
    readonly acceptanceRate: number;
    readonly draftedTokens: number;
    readonly tokensPerTargetEval: number;
    readonly meanDraft: number;
    readonly alpha: number;
    readonly expectedSpeedup: number | undefined;
    /** measured ÷ expected. */
    readonly efficiency: number | undefined;
    readonly draftShare: number;
    readonly targetShare: number;
    readonly overheadShare: number;
    readonly mismatches: number;
    readonly mismatchedIds: readonly string[];
    /** Outputs that first differ at a floating-point near tie of the target's top two (src/bench/nearTie.ts). */
    readonly nearTies: number;
    readonly nearTieIds: readonly string[];
    readonly tasks: number;
    /** A llama-server row: it reports drafted and accepted tokens, not its target evals. */
    readonly native: boolean;
}

/**
 * Turns per-variant totals into report rows: speed relative to target alone, and the analytic
 * expectation from each variant's measured acceptance. α is the per-token acceptance that explains
 * the measured acceptance rate at the variant's mean draft length; the draft's cost per token is
 * the measured one for the draft model, zero for prompt lookup, in between for hybrid (its measured
 * draft time per drafted token, capped at the draft model's).
 */
export function variantRows(
    totals: readonly VariantTotals[],
    variants: readonly VariantSpec[],
    costs: { target: BatchCostCurve; draftMsPerToken: number }
): VariantRow[] {
    const reference = totals.find((total) => total.id === "target");
    const referenceRate = reference != null && reference.decodeMs > 0 ? reference.tokens / reference.decodeMs : 0;
    const referenceCpuRate = reference != null && reference.cpuMs > 0 ? reference.tokens / reference.cpuMs : 0;
    return totals.map((total) => {
        const variant = variants.find((candidate) => candidate.id === total.id)!;
        const rate = total.decodeMs > 0 ? total.tokens / total.decodeMs : 0;
        const speedup = referenceRate > 0 ? rate / referenceRate : 0;
        const acceptanceRate = total.draftedTokens > 0 ? total.acceptedTokens / total.draftedTokens : 0;
        const meanDraft = total.targetEvals > 0 ? total.draftedTokens / total.targetEvals : 0;
        const alpha = variant.fixedK != null ? alphaFromAcceptanceRate(acceptanceRate, variant.fixedK) : alphaFromAcceptanceRate(acceptanceRate, meanDraft);
        let expected: number | undefined;
        if (total.id === "target")
            expected = 1;
        else if (total.draftedTokens > 0 && variant.native == null) {
            const draftMsPerToken = total.id === "ngram" ? 0
                : total.id === "hybrid" ? Math.min(costs.draftMsPerToken, total.draftMs / total.draftedTokens)
                : costs.draftMsPerToken;
            expected = expectedSpeedup({ alpha, k: variant.fixedK ?? meanDraft, draftMsPerToken, target: costs.target });
        }
        const busy = Math.max(1e-9, total.decodeMs);
        const engineVariant = variant.engine != null && variant.engine.speculative;
        return {
            id: total.id,
            label: variant.label,
            tokens: total.tokens,
            decodeMs: total.decodeMs,
            tokensPerSecond: rate * 1000,
            speedup,
            cpuSpeedup: total.cpuMs > 0 && referenceCpuRate > 0 ? total.tokens / total.cpuMs / referenceCpuRate : undefined,
            acceptanceRate,
            draftedTokens: total.draftedTokens,
            tokensPerTargetEval: total.targetEvals > 0 ? total.tokens / total.targetEvals : 0,
            meanDraft,
            alpha,
            expectedSpeedup: expected,
            efficiency: expected != null && expected > 0 ? speedup / expected : undefined,
            draftShare: engineVariant ? total.draftMs / busy : 0,
            targetShare: engineVariant || total.id === "target" ? total.targetMs / busy : 0,
            overheadShare: engineVariant || total.id === "target" ? Math.max(0, 1 - (total.draftMs + total.targetMs) / busy) : 0,
            mismatches: total.mismatches,
            mismatchedIds: total.mismatchedIds,
            nearTies: total.nearTies,
            nearTieIds: total.nearTieIds,
            tasks: total.tasks,
            native: variant.native != null
        };
    });
}

/** "1 near tie", "2 near ties". */
export function nearTiesPhrase(count: number): string {
    return `${count} near tie${count === 1 ? "" : "s"}`;
}

/** "30/30"; "29/30, 1 near tie (id)" when an output left the target's at a floating-point tie; "**N MISMATCH**" otherwise. */
export function exactness(row: Pick<VariantRow, "tasks" | "mismatches" | "nearTies" | "nearTieIds">): string {
    if (row.mismatches > 0)
        return `**${row.mismatches} MISMATCH**${row.nearTies > 0 ? `, ${nearTiesPhrase(row.nearTies)}` : ""}`;
    if (row.nearTies > 0)
        return `${row.tasks - row.nearTies}/${row.tasks}, ${nearTiesPhrase(row.nearTies)} (${row.nearTieIds.join(", ")})`;
    return `${row.tasks}/${row.tasks}`;
}

export function formatVariantsTable(rows: readonly VariantRow[]): string {
    const lines = [
        "| variant | tokens | decode s | tok/s | speedup | acceptance | tokens / target eval | mean K | α | expected (analytic) | measured ÷ expected | time: draft / target / other | exact |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|"
    ];
    for (const row of rows) {
        const split = row.targetShare > 0 ? `${pct(row.draftShare)} / ${pct(row.targetShare)} / ${pct(row.overheadShare)}` : "—";
        const noDrafts = row.id === "target" || (row.native && row.draftedTokens === 0);
        lines.push(`| ${row.label} | ${row.tokens} | ${(row.decodeMs / 1000).toFixed(1)} | ${row.tokensPerSecond.toFixed(1)} | **${row.speedup.toFixed(2)}×** | ` +
            `${noDrafts ? "—" : pct(row.acceptanceRate)} | ${row.native ? "—" : row.tokensPerTargetEval.toFixed(2)} | ${row.id === "target" || row.native ? "—" : row.meanDraft.toFixed(2)} | ` +
            `${row.id === "target" || row.native ? "—" : row.alpha.toFixed(2)} | ${row.expectedSpeedup != null ? `${row.expectedSpeedup.toFixed(2)}×` : "—"} | ` +
            `${row.efficiency != null && row.id !== "target" ? pct(row.efficiency) : "—"} | ${split} | ${exactness(row)} |`);
    }
    return lines.join("\n");
}

/**
 * One row per task: its prompt length, each variant's decoding speed over target alone on that task
 * (tokens per second, so a variant that stopped early at an end-of-generation token is compared
 * fairly), and whether every variant's output was the target's, token for token.
 */
export function formatPerTaskTable(results: readonly VariantsTaskResult[], variants: readonly VariantId[]): string {
    const shown = variants.filter((id) => id !== "target");
    const lines = [
        `| task | prompt tokens | ${shown.join(" | ")} | exact |`,
        `|---|--:|${shown.map(() => "--:|").join("")}---|`
    ];
    for (const result of results) {
        const reference = result.runs.target;
        const speedups = shown.map((id) => {
            const run = result.runs[id];
            if (run == null || reference == null || run.decodeMs <= 0 || reference.tokens === 0)
                return "—";
            const speedup = (run.tokens / run.decodeMs) / (reference.tokens / reference.decodeMs);
            return `${speedup.toFixed(2)}×`;
        });
        const mismatched = variants.filter((id) => result.runs[id]?.identical === false && result.runs[id]?.nearTie !== true);
        const tied = variants.filter((id) => result.runs[id]?.nearTie === true);
        const verdict = mismatched.length > 0 ? `**no: ${mismatched.join(", ")}**` : tied.length > 0 ? `yes, up to a near tie (${tied.join(", ")})` : "yes";
        lines.push(`| ${result.id} | ${result.promptTokens} | ${speedups.join(" | ")} | ${verdict} |`);
    }
    return lines.join("\n");
}

/** The batch-cost curve and what it allows: best fixed K and its speedup at several acceptances. */
export function formatCeilingTable(target: BatchCostCurve, draftMsPerToken: number, alphas: readonly number[], maxK: number): string {
    const one = target.ms(1);
    const curve = [
        "| batch size b | " + target.measured.map((point) => String(point.size)).join(" | ") + " |",
        "|---|" + target.measured.map(() => "--:").join("|") + "|",
        "| target ms | " + target.measured.map((point) => point.ms.toFixed(1)).join(" | ") + " |",
        "| ÷ single eval | " + target.measured.map((point) => (point.ms / one).toFixed(2)).join(" | ") + " |"
    ];
    const ceiling = [
        `| α | best K ≤ ${maxK} | expected speedup | best K ≤ 32 | expected speedup |`,
        "|--:|--:|--:|--:|--:|"
    ];
    for (const alpha of alphas) {
        const best = bestFixedK(alpha, maxK, draftMsPerToken, target);
        const wide = bestFixedK(alpha, 32, draftMsPerToken, target);
        ceiling.push(`| ${alpha.toFixed(2)} | ${best.k} | ${best.speedup.toFixed(2)}× | ${wide.k} | ${wide.speedup.toFixed(2)}× |`);
    }
    return `${curve.join("\n")}\n\n${ceiling.join("\n")}`;
}

export interface ChartPoint {
    readonly k: number;
    readonly measured: number;
    readonly expected: number | undefined;
    readonly acceptance: number;
}

/**
 * An SVG chart: measured and analytic speedup vs fixed K (left axis), acceptance rate (right axis),
 * and horizontal reference lines (other variants, targets). Plain SVG, no scripts, readable labels.
 */
export function renderSpeedupChart(points: readonly ChartPoint[], references: ReadonlyArray<{ label: string; speedup: number; dashed?: boolean }>, title: string): string {
    const width = 720;
    const height = 420;
    const left = 64;
    const right = 200;
    const top = 48;
    const bottom = 56;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const ks = points.map((point) => point.k);
    const maxSpeed = Math.max(3, ...points.map((point) => Math.max(point.measured, point.expected ?? 0)), ...references.map((ref) => ref.speedup)) * 1.05;
    const xOf = (k: number) => left + (ks.length <= 1 ? plotW / 2 : (Math.log2(k) - Math.log2(ks[0])) / (Math.log2(ks[ks.length - 1]) - Math.log2(ks[0])) * plotW);
    const yOf = (speed: number) => top + plotH - speed / maxSpeed * plotH;
    const yAcc = (rate: number) => top + plotH - rate * plotH;
    const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const parts: string[] = [];
    parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`);
    parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
    parts.push(`<text x="${left}" y="18" font-size="15" font-weight="bold">${esc(title)}</text>`);
    for (let speed = 0; speed <= maxSpeed; speed += 0.5) {
        const y = yOf(speed).toFixed(1);
        parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#e4e4e4"/>`);
        parts.push(`<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#333">${speed.toFixed(1)}×</text>`);
    }
    for (let rate = 0; rate <= 1.0001; rate += 0.25)
        parts.push(`<text x="${left + plotW + 8}" y="${yAcc(rate).toFixed(1)}" dominant-baseline="middle" fill="#2a7a2a">${Math.round(rate * 100)} %</text>`);
    for (const k of ks)
        parts.push(`<text x="${xOf(k).toFixed(1)}" y="${top + plotH + 20}" text-anchor="middle" fill="#333">K = ${k}</text>`);
    parts.push(`<text x="${left + plotW / 2}" y="${height - 12}" text-anchor="middle" fill="#333">draft length K (draft model, fixed)</text>`);
    parts.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">speedup over target alone</text>`);
    parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`);
    parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`);
    const colors = ["#7a3fb0", "#c0392b", "#d68910", "#555555"];
    references.forEach((ref, index) => {
        const y = yOf(ref.speedup).toFixed(1);
        const color = colors[index % colors.length];
        parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="${color}" stroke-width="1.5" stroke-dasharray="${ref.dashed ? "6 4" : "2 3"}"/>`);
        parts.push(`<text x="${left + plotW + 48}" y="${y}" dominant-baseline="middle" fill="${color}">${esc(ref.dashed ? ref.label : `${ref.label} ${ref.speedup.toFixed(2)}×`)}</text>`);
    });
    const path = (values: Array<[number, number]>) => values.map(([x, y], i) => `${i === 0 ? "M" : "L"}${x.toFixed(1)} ${y.toFixed(1)}`).join(" ");
    const expected = points.filter((point) => point.expected != null).map((point) => [xOf(point.k), yOf(point.expected!)] as [number, number]);
    if (expected.length > 0)
        parts.push(`<path d="${path(expected)}" fill="none" stroke="#1f5fa8" stroke-width="2" stroke-dasharray="6 4"/>`);
    parts.push(`<path d="${path(points.map((point) => [xOf(point.k), yOf(point.measured)]))}" fill="none" stroke="#1f5fa8" stroke-width="2.5"/>`);
    parts.push(`<path d="${path(points.map((point) => [xOf(point.k), yAcc(point.acceptance)]))}" fill="none" stroke="#2a7a2a" stroke-width="2"/>`);
    for (const point of points) {
        parts.push(`<circle cx="${xOf(point.k).toFixed(1)}" cy="${yOf(point.measured).toFixed(1)}" r="4" fill="#1f5fa8"><title>K = ${point.k}: ${point.measured.toFixed(2)}×</title></circle>`);
        parts.push(`<text x="${xOf(point.k).toFixed(1)}" y="${(yOf(point.measured) - 10).toFixed(1)}" text-anchor="middle" fill="#1f5fa8">${point.measured.toFixed(2)}×</text>`);
        parts.push(`<rect x="${(xOf(point.k) - 3.5).toFixed(1)}" y="${(yAcc(point.acceptance) - 3.5).toFixed(1)}" width="7" height="7" fill="#2a7a2a"><title>K = ${point.k}: acceptance ${pct(point.acceptance)}</title></rect>`);
    }
    const legendY = top - 12;
    parts.push(`<line x1="${left}" y1="${legendY}" x2="${left + 24}" y2="${legendY}" stroke="#1f5fa8" stroke-width="2.5"/><text x="${left + 30}" y="${legendY}" dominant-baseline="middle">measured</text>`);
    parts.push(`<line x1="${left + 110}" y1="${legendY}" x2="${left + 134}" y2="${legendY}" stroke="#1f5fa8" stroke-width="2" stroke-dasharray="6 4"/><text x="${left + 140}" y="${legendY}" dominant-baseline="middle">analytic</text>`);
    parts.push(`<line x1="${left + 214}" y1="${legendY}" x2="${left + 238}" y2="${legendY}" stroke="#2a7a2a" stroke-width="2"/><text x="${left + 244}" y="${legendY}" dominant-baseline="middle">acceptance (right axis)</text>`);
    parts.push("</svg>");
    return `${parts.join("\n")}\n`;
}

export function pct(value: number): string {
    return `${(value * 100).toFixed(1)} %`;
}
