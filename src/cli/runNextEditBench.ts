// `specula edit-bench` (issue 22): next-edit tasks (scripts/make-next-edit-data.py's eval file) run
// with the target alone and with speculative edits, compared token for token, and scored.
import type { CompletionResult } from "../common/CompletionTypes";
import type { SpeculativeEngine } from "../engine/SpeculativeEngine";
import { editFromOutput } from "../nextEdit/nextEditOutput";
import { buildNextEditPrompt, recentEditOf } from "../nextEdit/nextEditPrompt";
import { bothWays, comparison, type ModeTotals } from "./runBench";
import { sameTokens } from "../bench/runVariants";

/** One line of the eval file (the fields this bench reads). */
export interface NextEditTask {
    readonly id: string;
    readonly kind: string;
    readonly path: string;
    readonly original_text: string;
    readonly current_text: string;
    /** 1-based cursor line. */
    readonly line: number;
    /** The expected updated window. */
    readonly completion: string;
    /** The prompt the data script wrote; the bench builds its own and checks they agree. */
    readonly prompt: string;
}

export interface NextEditTaskResult {
    readonly id: string;
    readonly kind: string;
    readonly identical: boolean;
    /** The speculative output is the expected window exactly. */
    readonly right: boolean;
    /** An edit was offered (the output parsed and changed the window). */
    readonly offered: boolean;
}

export interface NextEditBenchReport {
    readonly tasks: NextEditTaskResult[];
    readonly targetOnly: ModeTotals;
    readonly speculative: ModeTotals;
    readonly speedup: number;
    readonly mismatches: number;
    readonly mismatchedIds: string[];
    /** Tasks whose output was the expected window, of all tasks. */
    readonly rightWindows: number;
    readonly offeredEdits: number;
    /** Offered edits that were the expected edit. */
    readonly rightOfferedEdits: number;
}

/** Reads the eval file: one task object a line; every problem names the line. */
export function parseNextEditTasks(text: string, source: string): NextEditTask[] {
    const tasks: NextEditTask[] = [];
    for (const [index, line] of text.split("\n").entries()) {
        if (line.trim() === "")
            continue;
        let value: unknown;
        try {
            value = JSON.parse(line);
        } catch {
            throw new Error(`${source}:${index + 1} is not JSON.`);
        }
        const task = value as Record<string, unknown>;
        for (const field of ["id", "kind", "path", "original_text", "current_text", "completion", "prompt"])
            if (typeof task[field] !== "string")
                throw new Error(`${source}:${index + 1} has no string "${field}".`);
        if (typeof task.line !== "number" || !Number.isInteger(task.line) || task.line < 1)
            throw new Error(`${source}:${index + 1} has no line number ("line", 1-based).`);
        tasks.push(task as unknown as NextEditTask);
    }
    return tasks;
}

/** The task's prompt as Specula builds it (the last edit is original_text → current_text). */
export function taskPrompt(task: NextEditTask) {
    const edit = recentEditOf(task.path, task.original_text, task.current_text);
    return buildNextEditPrompt({ path: task.path, text: task.current_text, cursorLine: task.line - 1, original: task.original_text, edits: edit != null ? [edit] : [] });
}

/**
 * Runs each task with the target alone and with speculative edits (the window as copy draft),
 * alternating which goes first, greedy. Throws when a task's prompt is not the one Specula builds
 * (the data script and the core have drifted apart).
 */
export async function runNextEditBench(
    engine: SpeculativeEngine,
    tasks: readonly NextEditTask[],
    options: { maxTokens: number; onTask?: (result: NextEditTaskResult) => void }
): Promise<NextEditBenchReport> {
    const results: NextEditTaskResult[] = [];
    const plain: CompletionResult[] = [];
    const spec: CompletionResult[] = [];
    for (const [index, task] of tasks.entries()) {
        const prompt = taskPrompt(task);
        if (prompt.prompt !== task.prompt)
            throw new Error(`task ${task.id}: its prompt differs from the one Specula builds from its texts.`);
        const run = (speculative: boolean) => engine.complete({
            prefix: "", rawPrompt: prompt.prompt, maxTokens: options.maxTokens, speculative,
            ...(speculative ? { copyFrom: prompt.currentBlock } : {})
        });
        const [a, b] = await bothWays(index, run);
        plain.push(a);
        spec.push(b);
        const outcome = editFromOutput(b.text, prompt, b.stopReason === "eos");
        const result: NextEditTaskResult = {
            id: task.id,
            kind: task.kind,
            identical: sameTokens(a.tokens, b.tokens),
            right: b.stopReason === "eos" && b.text === task.completion,
            offered: outcome.kind === "edit"
        };
        results.push(result);
        options.onTask?.(result);
    }
    return {
        ...comparison(results, plain, spec),
        rightWindows: results.filter((result) => result.right).length,
        offeredEdits: results.filter((result) => result.offered).length,
        rightOfferedEdits: results.filter((result) => result.offered && result.right).length
    };
}
