import { addDecodingCounts, type CompletionResult } from "../common/CompletionTypes";
import { TokenPool } from "../engine/drafters/TokenPool";
import type { Token } from "../engine/llamaTypes";
import type { SpeculativeEngine } from "../engine/SpeculativeEngine";
import type { BenchTask } from "./BenchTask";
import { firstDivergence, isNearTie } from "./nearTie";
import type { LlamaServerPeer, NativeMode, NativeRunResult } from "./LlamaServerPeer";
import type { PeerPredictorRunner, PeerRunResult, PeerSettings } from "./PeerPredictorRunner";
import type { VariantId, VariantSpec } from "./variants";

/** One variant on one task. */
export interface VariantRun {
    readonly tokens: number;
    readonly decodeMs: number;
    readonly identical: boolean;
    readonly draftedTokens: number;
    readonly acceptedTokens: number;
    readonly targetEvals: number;
    readonly draftMs: number;
    readonly targetMs: number;
    /**
     * CPU time the engine's process spent on the request (all threads; the prompt was already cached),
     * 0 for runs outside it. On a busy machine wall time swings with the other processes; CPU time
     * far less, so the bench also reports speed ratios by CPU time.
     */
    readonly cpuMs: number;
    /**
     * Set when the output differs from the target alone's first at a token where the target's top two
     * were a floating-point near tie (src/bench/nearTie.ts): not counted as a mismatch.
     */
    readonly nearTie?: boolean;
}

export interface VariantTotals extends VariantRun {
    readonly id: VariantId;
    readonly tasks: number;
    /** Outputs that differ from the target alone's, near ties excepted. */
    readonly mismatches: number;
    readonly mismatchedIds: string[];
    /** Outputs that differ first at a near tie of the target's top two tokens. */
    readonly nearTies: number;
    readonly nearTieIds: string[];
}

export interface VariantsTaskResult {
    readonly id: string;
    readonly promptTokens: number;
    readonly runs: Partial<Record<VariantId, VariantRun>>;
}

export function engineRun(result: CompletionResult, reference: readonly number[] | undefined, cpuMs = 0): VariantRun {
    return {
        cpuMs,
        tokens: result.tokens.length,
        decodeMs: Math.max(0, result.stats.totalMs - result.stats.promptMs),
        identical: reference == null || sameTokens(result.tokens, reference),
        draftedTokens: result.stats.draftedTokens,
        acceptedTokens: result.stats.acceptedTokens,
        targetEvals: result.stats.targetEvals,
        draftMs: result.stats.draftMs,
        targetMs: result.stats.targetMs
    };
}

/**
 * The peer's counters: each target batch commits its own token plus the predictions it kept, so
 * target evals ≈ tokens − used predictions; drafted = validated + refuted.
 */
export function peerRun(result: PeerRunResult, reference: readonly number[] | undefined): VariantRun {
    return {
        tokens: result.tokens.length,
        decodeMs: result.decodeMs,
        identical: reference == null || sameTokens(result.tokens, reference),
        draftedTokens: result.validated + result.refuted,
        acceptedTokens: result.validated,
        targetEvals: Math.max(0, result.tokens.length - result.used),
        draftMs: 0,
        targetMs: 0,
        cpuMs: 0
    };
}

/** llama-server's run: its own decode time and draft counters; it does not say how many target evals it made. */
export function nativeRun(result: NativeRunResult, reference: readonly number[] | undefined): VariantRun {
    return {
        tokens: result.tokens.length,
        decodeMs: result.decodeMs,
        identical: reference == null || sameTokens(result.tokens, reference),
        draftedTokens: result.draftedTokens,
        acceptedTokens: result.acceptedTokens,
        targetEvals: 0,
        draftMs: 0,
        targetMs: 0,
        cpuMs: result.cpuMs ?? 0
    };
}

export function sameTokens(a: readonly number[], b: readonly number[]): boolean {
    return a.length === b.length && a.every((token, i) => token === b[i]);
}

/**
 * Runs every variant on every task, interleaved per task (the order rotates from task to task so
 * slow drift of the shared machine spreads over all variants). Engine variants share one engine, so
 * the task's prompt is processed once and found in the KV cache by the others; all speeds are
 * decoding speeds, prompt processing excluded. llama-server modes run in their own processes on the
 * same prompt token ids; one that fails is reported through `onNativeFailure`, removed from
 * `natives`, and the run goes on without it.
 */
export async function runVariants(
    engine: SpeculativeEngine,
    peer: PeerPredictorRunner | undefined,
    peerSettings: PeerSettings,
    variants: readonly VariantSpec[],
    tasks: readonly BenchTask[],
    options: {
        maxTokens: number;
        natives?: Map<NativeMode, LlamaServerPeer>;
        /** Each engine variant's own lookup pool, kept across calls (so warm-up tasks count for the run that follows). */
        pools?: Map<VariantId, TokenPool>;
        onNativeFailure?: (mode: NativeMode, error: unknown) => void;
        onTask?: (result: VariantsTaskResult, index: number) => void;
    }
): Promise<VariantsTaskResult[]> {
    const results: VariantsTaskResult[] = [];
    for (const [index, task] of tasks.entries()) {
        const request = { prefix: task.prefix, suffix: task.suffix, maxTokens: options.maxTokens };
        // The reference goes first only for the first task; afterwards the order rotates.
        const order = rotate(variants, index);
        const outputs = new Map<VariantId, { tokens: readonly number[]; run: (reference: readonly number[]) => VariantRun }>();
        // Every engine variant finds the prompt cached, so its CPU time is decoding alone.
        if (order.some((variant) => variant.engine != null))
            await engine.complete({ ...request, prefillOnly: true });
        for (const variant of order)
            if (variant.native != null) {
                const server = options.natives?.get(variant.native);
                if (server == null)
                    continue;
                try {
                    const result = await server.run(engine.promptTokens(request), options.maxTokens);
                    outputs.set(variant.id, { tokens: result.tokens, run: (reference) => nativeRun(result, reference) });
                } catch (error) {
                    options.natives!.delete(variant.native);
                    await server.dispose();
                    options.onNativeFailure?.(variant.native, error);
                }
            } else if (variant.engine == null) {
                if (peer == null)
                    continue;
                const result = await peer.run(engine.promptTokens(request), options.maxTokens, peerSettings);
                outputs.set(variant.id, { tokens: result.tokens, run: (reference) => peerRun(result, reference) });
            } else {
                if (variant.engine.decoding != null)
                    engine.setDecodingOptions(variant.engine.decoding);
                if (options.pools != null) {
                    let pool = options.pools.get(variant.id);
                    if (pool == null)
                        options.pools.set(variant.id, pool = new TokenPool());
                    engine.usePool(pool);
                }
                const cpuBefore = process.cpuUsage();
                const result = await engine.complete({ ...request, speculative: variant.engine.speculative });
                const cpu = process.cpuUsage(cpuBefore);
                outputs.set(variant.id, { tokens: result.tokens, run: (reference) => engineRun(result, reference, (cpu.user + cpu.system) / 1000) });
            }
        const reference = outputs.get("target")?.tokens;
        const runs: Partial<Record<VariantId, VariantRun>> = {};
        for (const [id, output] of outputs) {
            const run = output.run(reference ?? output.tokens);
            runs[id] = run.identical || reference == null ? run : { ...run, nearTie: await divergesAtNearTie(engine, request, reference as readonly Token[], output.tokens as readonly Token[]) };
        }
        const result: VariantsTaskResult = { id: task.id, promptTokens: engine.promptTokens(request).length, runs };
        results.push(result);
        options.onTask?.(result, index);
    }
    return results;
}

export function totalsByVariant(results: readonly VariantsTaskResult[], variants: readonly VariantSpec[]): VariantTotals[] {
    return variants.map((variant) => {
        const totals = {
            id: variant.id, tasks: 0, mismatches: 0, mismatchedIds: [] as string[], nearTies: 0, nearTieIds: [] as string[], tokens: 0, decodeMs: 0, identical: true,
            draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, draftMs: 0, targetMs: 0, cpuMs: 0
        };
        for (const result of results) {
            const run = result.runs[variant.id];
            if (run == null)
                continue;
            totals.tasks++;
            totals.tokens += run.tokens;
            totals.decodeMs += run.decodeMs;
            totals.cpuMs += run.cpuMs;
            addDecodingCounts(totals, run);
            if (!run.identical) {
                totals.identical = false;
                if (run.nearTie === true) {
                    totals.nearTies++;
                    totals.nearTieIds.push(result.id);
                } else {
                    totals.mismatches++;
                    totals.mismatchedIds.push(result.id);
                }
            }
        }
        return totals;
    });
}

/** Whether `output` first leaves `reference` (the target alone's) where the target's top two tokens are a near tie. */
async function divergesAtNearTie(engine: SpeculativeEngine, request: { prefix: string; suffix: string; maxTokens: number }, reference: readonly Token[], output: readonly Token[]): Promise<boolean> {
    const at = firstDivergence(reference, output);
    if (at == null || reference[at] == null || output[at] == null)
        return false;
    return isNearTie(await engine.nextTokenProbabilities(request, reference.slice(0, at)), reference[at], output[at]);
}

function rotate<T>(items: readonly T[], by: number): T[] {
    const shift = by % Math.max(1, items.length);
    return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * Sweeps the peer's settings on a few tasks and returns them ranked by total decode time (fastest
 * first); a setting whose output differs from target-alone decoding is ranked last.
 */
export async function sweepPeer(
    engine: SpeculativeEngine,
    peer: PeerPredictorRunner,
    candidates: readonly PeerSettings[],
    tasks: readonly BenchTask[],
    maxTokens: number
): Promise<Array<{ settings: PeerSettings; decodeMs: number; tokens: number; targetMs: number; exact: boolean; acceptance: number }>> {
    const scores = candidates.map((settings) => ({ settings, decodeMs: 0, tokens: 0, targetMs: 0, exact: true, validated: 0, drafted: 0 }));
    for (const [index, task] of tasks.entries()) {
        const request = { prefix: task.prefix, suffix: task.suffix, maxTokens };
        const reference = await engine.complete({ ...request, speculative: false });
        const prompt = engine.promptTokens(request);
        for (const score of rotate(scores, index)) {
            const result = await peer.run(prompt, maxTokens, score.settings);
            score.decodeMs += result.decodeMs;
            score.tokens += result.tokens.length;
            score.targetMs += Math.max(0, reference.stats.totalMs - reference.stats.promptMs);
            score.exact &&= sameTokens(result.tokens, reference.tokens);
            score.validated += result.validated;
            score.drafted += result.validated + result.refuted;
        }
    }
    return scores
        .map((score) => ({
            settings: score.settings, decodeMs: score.decodeMs, tokens: score.tokens, targetMs: score.targetMs, exact: score.exact,
            acceptance: score.drafted > 0 ? score.validated / score.drafted : 0
        }))
        .sort((a, b) => Number(b.exact) - Number(a.exact) || a.decodeMs - b.decodeMs);
}

/**
 * The target's cost for a batch of 1…maxBatch tokens (each asking for a next-token prediction, as a
 * verification batch does) after `prompt` is in the cache, and the draft's cost for one token; medians
 * of `repeats` interleaved measurements.
 */
export async function measureBatchCosts(
    peer: PeerPredictorRunner,
    prompt: readonly Token[],
    continuation: readonly Token[],
    maxBatch: number,
    repeats: number
): Promise<{ targetMs: Array<{ size: number; ms: number }>; draftMsPerToken: number; contextTokens: number; prefillMsPerToken: number }> {
    const measure = async (context: PeerPredictorRunner["target"]["context"], sizes: number[]) => {
        const sequence = context.getSequence();
        try {
            const head = prompt.slice(0, -1);
            const prefillStarted = performance.now();
            await sequence.evaluateWithoutGeneratingNewTokens(head);
            const prefillMsPerToken = (performance.now() - prefillStarted) / Math.max(1, head.length);
            const samples = new Map<number, number[]>(sizes.map((size) => [size, []]));
            // A warm-up of each size, not timed.
            for (let repeat = -1; repeat < repeats; repeat++)
                for (const size of repeat % 2 === 0 ? sizes : [...sizes].reverse()) {
                    const batch = [prompt[prompt.length - 1], ...continuation].slice(0, size);
                    while (batch.length < size)
                        batch.push(batch[batch.length - 1]);
                    const started = performance.now();
                    await sequence.controlledEvaluate(batch.map((token) => [token, { generateNext: { token: true } }]));
                    const ms = performance.now() - started;
                    await sequence.eraseContextTokenRanges([{ start: head.length, end: sequence.nextTokenIndex }]);
                    if (repeat >= 0)
                        samples.get(size)!.push(ms);
                }
            return { points: sizes.map((size) => ({ size, ms: medianOf(samples.get(size)!) })), prefillMsPerToken };
        } finally {
            sequence.dispose();
        }
    };
    const sizes = Array.from({ length: maxBatch }, (_, i) => i + 1);
    const target = await measure(peer.target.context, sizes);
    const draft = await measure(peer.draft.context, [1]);
    return { targetMs: target.points, draftMsPerToken: draft.points[0].ms, contextTokens: prompt.length, prefillMsPerToken: target.prefillMsPerToken };
}

function medianOf(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
