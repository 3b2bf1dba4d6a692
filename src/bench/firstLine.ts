import type { SpeculativeEngine } from "../engine/SpeculativeEngine";

/** One spot where a user stops and waits for the model to write the line. */
export interface FirstLineSpot {
    readonly prefix: string;
    readonly suffix: string;
}

/** Time from asking to having the first complete line (or the whole answer, if shorter), one spot and mode. */
export interface FirstLineTiming {
    readonly spot: number;
    readonly speculative: boolean;
    readonly ms: number;
    /**
     * This process's CPU time over the same span (the engine runs in it): on a shared machine other
     * processes stretch the wall time of both modes unevenly, the CPU time much less.
     */
    readonly cpuMs?: number;
    readonly text: string;
}

export interface FirstLineSummary {
    readonly spots: number;
    readonly speculative: { readonly p50Ms: number; readonly p95Ms: number };
    readonly targetAlone: { readonly p50Ms: number; readonly p95Ms: number };
    /** Speculative p50 ÷ target alone's p50 (issue 20's goal: ≤ 0.8). */
    readonly ratio: number;
    /** The same ratio of CPU-time p50s; NaN when the timings carry no CPU time. */
    readonly cpuRatio: number;
    /** Spots where both modes wrote the same first line (greedy: all of them). */
    readonly identical: number;
}

/**
 * What the user waits for before the first line is there to accept: at each spot the prompt is
 * brought into the cache first (as the editor's warm-up does), then one request is timed until its
 * text holds a complete line with something on it (a line break after non-blank text) or it ends —
 * a leading line break alone is not a line to accept. Speculative and target alone alternate in order
 * from spot to spot, on the same engine.
 */
export async function measureFirstLines(engine: SpeculativeEngine, spots: readonly FirstLineSpot[], maxTokens: number): Promise<FirstLineTiming[]> {
    const timings: FirstLineTiming[] = [];
    for (const [index, spot] of spots.entries()) {
        const order = index % 2 === 0 ? [true, false] : [false, true];
        for (const speculative of order) {
            const request = { prefix: spot.prefix, suffix: spot.suffix, maxTokens, speculative };
            await engine.complete({ ...request, prefillOnly: true });
            const stop = new AbortController();
            let text = "";
            let ms: number | undefined;
            let cpuMs: number | undefined;
            const cpuStarted = process.cpuUsage();
            const started = performance.now();
            await engine.complete({
                ...request,
                signal: stop.signal,
                onText: (delta) => {
                    text += delta;
                    if (ms == null && firstLineOf(text) != null) {
                        ms = performance.now() - started;
                        cpuMs = cpuMillis(process.cpuUsage(cpuStarted));
                        stop.abort();
                    }
                }
            });
            timings.push({
                spot: index, speculative,
                ms: ms ?? performance.now() - started,
                cpuMs: cpuMs ?? cpuMillis(process.cpuUsage(cpuStarted)),
                text: firstLineOf(text) ?? text
            });
        }
    }
    return timings;
}

/** The first line with something on it, once its line break has come; undefined before. */
export function firstLineOf(text: string): string | undefined {
    const match = /^\s*?([^\n]*\S[^\n]*)\n/.exec(text);
    return match?.[1];
}

export function summarizeFirstLines(timings: readonly FirstLineTiming[]): FirstLineSummary {
    const of = (speculative: boolean) => timings.filter((timing) => timing.speculative === speculative).map((timing) => timing.ms).sort((a, b) => a - b);
    const cpuOf = (speculative: boolean) => timings.filter((timing) => timing.speculative === speculative && timing.cpuMs != null).map((timing) => timing.cpuMs!).sort((a, b) => a - b);
    const speculative = of(true);
    const targetAlone = of(false);
    const bySpot = new Map<number, string[]>();
    for (const timing of timings)
        (bySpot.get(timing.spot) ?? bySpot.set(timing.spot, []).get(timing.spot)!).push(timing.text);
    const identical = [...bySpot.values()].filter((texts) => texts.length === 2 && texts[0] === texts[1]).length;
    const p50 = percentile(speculative, 0.5);
    const base = percentile(targetAlone, 0.5);
    return {
        spots: bySpot.size,
        speculative: { p50Ms: p50, p95Ms: percentile(speculative, 0.95) },
        targetAlone: { p50Ms: base, p95Ms: percentile(targetAlone, 0.95) },
        ratio: base > 0 ? p50 / base : Number.NaN,
        cpuRatio: percentile(cpuOf(true), 0.5) / percentile(cpuOf(false), 0.5),
        identical
    };
}

function cpuMillis(usage: NodeJS.CpuUsage): number {
    return (usage.user + usage.system) / 1000;
}

/** Nearest-rank percentile of sorted values; NaN when empty. */
export function percentile(sorted: readonly number[], fraction: number): number {
    if (sorted.length === 0)
        return Number.NaN;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}
