// `specula edit` (issue 22): the next edit a next-edit model predicts around a line of a file.
import * as path from "node:path";
import type { CompletionResult, RequestStats } from "../common/CompletionTypes";
import { SpeculaError } from "../engine/SpeculaError";
import { editFromOutput, type NoEditReason, type TextEdit } from "../nextEdit/nextEditOutput";
import { buildNextEditPrompt, splitLines, type NextEditPrompt, type RecentEdit } from "../nextEdit/nextEditPrompt";
import { parseUnifiedDiff, recentEditOfHunk, revertHunk } from "../nextEdit/unifiedDiff";

/** The fields `complete --json` and `edit --json` print from a request's statistics. */
export function statsJson(stats: RequestStats): Record<string, number> {
    return {
        draftedTokens: stats.draftedTokens,
        acceptedTokens: stats.acceptedTokens,
        targetEvals: stats.targetEvals,
        acceptanceRate: stats.acceptanceRate,
        tokensPerTargetEval: stats.tokensPerTargetEval,
        ms: stats.totalMs,
        promptMs: stats.promptMs,
        draftMs: stats.draftMs,
        targetMs: stats.targetMs,
        promptTokens: stats.promptTokens,
        generatedTokens: stats.generatedTokens
    };
}

/**
 * The prompt for the file's text and cursor line (1-based), given a unified diff of recent edits
 * (oldest hunk first). The diff's last hunk, when it is this file's, is the last edit: the window's
 * "original" block is the file with that hunk put back.
 */
export function editPrompt(file: string, text: string, line: number, history: string | undefined, cwd = process.cwd()): NextEditPrompt {
    const lineCount = splitLines(text).length;
    if (line > lineCount)
        throw new SpeculaError("BAD_ARGUMENT", `--line ${line} is past the end of the file (${lineCount} lines).`);
    const shown = displayPath(file, cwd);
    const edits: RecentEdit[] = [];
    let original: string | undefined;
    if (history != null) {
        let hunks;
        try {
            hunks = parseUnifiedDiff(history);
        } catch (error) {
            throw new SpeculaError("BAD_ARGUMENT", `--history is not a unified diff: ${(error as Error).message}`);
        }
        const ours = (hunkPath: string) => path.resolve(cwd, hunkPath) === path.resolve(cwd, file);
        for (const hunk of hunks)
            edits.push(recentEditOfHunk(hunk, ours(hunk.path) ? shown : hunk.path));
        const last = hunks[hunks.length - 1];
        if (last != null && ours(last.path))
            try {
                original = revertHunk(text, last);
            } catch (error) {
                throw new SpeculaError("BAD_ARGUMENT", `--history does not match --file: ${(error as Error).message}`);
            }
    }
    return buildNextEditPrompt({ path: shown, text, cursorLine: line - 1, edits, ...(original != null ? { original } : {}) });
}

export interface EditJson {
    readonly edit: null | {
        readonly startLine: number;
        readonly startColumn: number;
        readonly endLine: number;
        readonly endColumn: number;
        readonly startOffset: number;
        readonly endOffset: number;
        readonly text: string;
    };
    /** Why there is no edit (null when there is one). */
    readonly reason: NoEditReason | null;
    /** The lines the model rewrote, 1-based and inclusive. */
    readonly window: { readonly startLine: number; readonly endLine: number };
    readonly output: string;
    readonly tokens: number[];
    readonly stopReason: string;
    readonly speculative: boolean;
    readonly stats: Record<string, number>;
}

/** The JSON object `edit --json` prints: the edit (1-based lines and columns, and offsets) or why none. */
export function editJson(prompt: NextEditPrompt, result: CompletionResult): EditJson {
    const outcome = editFromOutput(result.text, prompt, result.stopReason === "eos");
    return {
        edit: outcome.kind === "edit" ? located(prompt.text, outcome.edit) : null,
        reason: outcome.kind === "none" ? outcome.reason : null,
        window: { startLine: prompt.window.start + 1, endLine: prompt.window.end },
        output: result.text,
        tokens: result.tokens,
        stopReason: result.stopReason,
        speculative: result.speculative,
        stats: statsJson(result.stats)
    };
}

/** A human-readable account of the same. */
export function editText(json: EditJson): string {
    if (json.edit == null)
        return `no edit (${json.reason}) in lines ${json.window.startLine}-${json.window.endLine}\n`;
    const { edit } = json;
    return `edit ${edit.startLine}:${edit.startColumn}-${edit.endLine}:${edit.endColumn} in lines ${json.window.startLine}-${json.window.endLine}:\n${edit.text}\n`;
}

function located(text: string, edit: TextEdit): NonNullable<EditJson["edit"]> {
    const at = (offset: number) => {
        const before = text.slice(0, offset);
        const lineStart = before.lastIndexOf("\n") + 1;
        return { line: splitLines(before).length, column: offset - lineStart + 1 };
    };
    const start = at(edit.start);
    const end = at(edit.end);
    return { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column, startOffset: edit.start, endOffset: edit.end, text: edit.text };
}

/** The file's path as the model sees it: relative to the working directory, with "/" separators. */
function displayPath(file: string, cwd: string): string {
    const relative = path.relative(cwd, path.resolve(cwd, file));
    return (relative.startsWith("..") || path.isAbsolute(relative) ? path.basename(file) : relative).split(path.sep).join("/");
}
