import type { CompletionResult } from "../common/CompletionTypes";
import type { SpeculativeEngine } from "../engine/SpeculativeEngine";
import { sameTokens } from "../bench/runVariants";

import type { BenchTask } from "../bench/BenchTask";

export type { BenchTask } from "../bench/BenchTask";

export interface ModeTotals {
    tokens: number;
    /** Decoding time: total minus prompt processing, so both modes are compared on generation alone. */
    decodeMs: number;
    totalMs: number;
    tokensPerSecond: number;
    draftedTokens: number;
    acceptedTokens: number;
    targetEvals: number;
    acceptanceRate: number;
    tokensPerTargetEval: number;
}

export interface BenchTaskResult {
    readonly id: string;
    readonly identical: boolean;
    readonly targetOnly: { tokens: number; decodeMs: number };
    readonly speculative: { tokens: number; decodeMs: number; acceptanceRate: number; tokensPerTargetEval: number };
}

export interface BenchReport {
    readonly tasks: BenchTaskResult[];
    readonly targetOnly: ModeTotals;
    readonly speculative: ModeTotals;
    /** Speculative tok/s ÷ target-alone tok/s, decoding only. */
    readonly speedup: number;
    readonly mismatches: number;
    readonly mismatchedIds: string[];
}

/**
 * Runs every task target-only and speculatively (greedy) on one engine, alternating which mode goes
 * first. Speeds compare decoding time only (prompt processing excluded): the second run of a task
 * finds the prompt in the KV cache, and prompt cost is the same for both modes anyway.
 */
export async function runBench(
    engine: SpeculativeEngine,
    tasks: readonly BenchTask[],
    options: { maxTokens: number; onTask?: (result: BenchTaskResult) => void }
): Promise<BenchReport> {
    const results: BenchTaskResult[] = [];
    const plain: CompletionResult[] = [];
    const spec: CompletionResult[] = [];
    for (const [index, task] of tasks.entries()) {
        const [a, b] = await bothWays(index, (speculative) => engine.complete({ prefix: task.prefix, suffix: task.suffix, maxTokens: options.maxTokens, speculative }));
        plain.push(a);
        spec.push(b);
        const result: BenchTaskResult = {
            id: task.id,
            identical: sameTokens(a.tokens, b.tokens),
            targetOnly: { tokens: a.tokens.length, decodeMs: decodeMs(a) },
            speculative: {
                tokens: b.tokens.length,
                decodeMs: decodeMs(b),
                acceptanceRate: b.stats.acceptanceRate,
                tokensPerTargetEval: b.stats.tokensPerTargetEval
            }
        };
        results.push(result);
        options.onTask?.(result);
    }
    return comparison(results, plain, spec);
}

/** Runs a task target-alone and speculative, the order alternating from task to task; returns [target alone, speculative]. */
export async function bothWays(index: number, run: (speculative: boolean) => Promise<CompletionResult>): Promise<[CompletionResult, CompletionResult]> {
    if (index % 2 === 0) {
        const plain = await run(false);
        return [plain, await run(true)];
    }
    const speculative = await run(true);
    return [await run(false), speculative];
}

/** Both modes' totals over the tasks, the speed-up, and the tasks whose outputs differ. */
export function comparison<R extends { readonly id: string; readonly identical: boolean }>(results: R[], plain: readonly CompletionResult[], spec: readonly CompletionResult[]) {
    const targetOnly = totalsOf(plain);
    const speculative = totalsOf(spec);
    const mismatchedIds = results.filter((result) => !result.identical).map((result) => result.id);
    return {
        tasks: results,
        targetOnly,
        speculative,
        speedup: targetOnly.tokensPerSecond > 0 ? speculative.tokensPerSecond / targetOnly.tokensPerSecond : 0,
        mismatches: mismatchedIds.length,
        mismatchedIds
    };
}

export function decodeMs(result: CompletionResult): number {
    return Math.max(0, result.stats.totalMs - result.stats.promptMs);
}

export function totalsOf(results: readonly CompletionResult[]): ModeTotals {
    const totals: ModeTotals = {
        tokens: 0, decodeMs: 0, totalMs: 0, tokensPerSecond: 0, draftedTokens: 0, acceptedTokens: 0,
        targetEvals: 0, acceptanceRate: 0, tokensPerTargetEval: 0
    };
    for (const result of results) {
        totals.tokens += result.tokens.length;
        totals.decodeMs += decodeMs(result);
        totals.totalMs += result.stats.totalMs;
        totals.draftedTokens += result.stats.draftedTokens;
        totals.acceptedTokens += result.stats.acceptedTokens;
        totals.targetEvals += result.stats.targetEvals;
    }
    totals.tokensPerSecond = totals.decodeMs > 0 ? totals.tokens / (totals.decodeMs / 1000) : 0;
    totals.acceptanceRate = totals.draftedTokens > 0 ? totals.acceptedTokens / totals.draftedTokens : 0;
    totals.tokensPerTargetEval = totals.targetEvals > 0 ? totals.tokens / totals.targetEvals : 0;
    return totals;
}

/** Reads tasks.jsonl: one `{"id", "prefix", "suffix"}` object a line; blank lines are skipped. */
export function parseTasks(text: string, source: string): BenchTask[] {
    const tasks: BenchTask[] = [];
    const lines = text.split(/\r?\n/);
    for (const [index, line] of lines.entries()) {
        if (line.trim() === "")
            continue;
        let value: unknown;
        try {
            value = JSON.parse(line);
        } catch {
            throw new Error(`${source}:${index + 1}: not valid JSON`);
        }
        const task = value as Partial<BenchTask>;
        if (typeof task !== "object" || task == null || typeof task.prefix !== "string")
            throw new Error(`${source}:${index + 1}: expected {"id", "prefix", "suffix"}`);
        tasks.push({ id: String(task.id ?? `task-${index + 1}`), prefix: task.prefix, suffix: typeof task.suffix === "string" ? task.suffix : "" });
    }
    if (tasks.length === 0)
        throw new Error(`${source}: no tasks`);
    return tasks;
}
