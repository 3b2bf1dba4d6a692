/**
 * The next-edit prompt: the model rewrites a fixed window of lines around the cursor, given the
 * recent edits and the window as it was before the last edit.
 *
 * Layout (scripts/make-next-edit-data.py writes its training data the same way; keep both in step):
 *
 *     <|file_sep|>{path}\n{file context}            only when fileContextLines > 0
 *     <|file_sep|>{path}.diff\noriginal:\n{lines before}updated:\n{lines after}     one per recent edit
 *     <|file_sep|>original/{path}:{start}:{end}\n{the window before the last edit}
 *     <|file_sep|>current/{path}:{start}:{end}\n{the window now}
 *     <|file_sep|>updated/{path}:{start}:{end}\n        the model writes the updated window, then stops
 *
 * Where each detail comes from:
 * - `<|file_sep|>{path}` per file: Qwen2.5-Coder's repository pretraining layout, which Sweep Next-Edit
 *   (a Qwen2.5-Coder fine-tune) builds on (Sweep's blog "Open sourcing a 1.5B parameter Next-Edit
 *   Autocomplete Model", section "Our Format", quoting Qwen2.5-Coder's technical report).
 * - The original / current / updated blocks with `{path}:{start}:{end}` headers: the model card of
 *   sweepai/sweep-next-edit-v2-7B, "Prompt format".
 * - Recent edits as `original:` / `updated:` blocks rather than unified diffs: the same card ("Diffs of
 *   recent edits in original:/updated: format") and the blog (a search over ~30 formats picked it).
 * - A fixed window the model always rewrites whole: the blog (fixed 21-line windows).
 * Ours, not Sweep's: an 11-line window starting 3 lines above the cursor (small fixture models have a
 * 1–2 k-token context); no file section by default; 1-based inclusive line numbers; no cursor marker
 * (v2's `<|cursor|>` is not a Qwen2.5-Coder special token); each block line ends with "\n".
 */

export const FILE_SEP = "<|file_sep|>";
export const NEXT_EDIT_WINDOW_LINES = 11;
export const NEXT_EDIT_LINES_ABOVE_CURSOR = 3;

/** Lines [start, end) of a document, 0-based. */
export interface LineWindow {
    readonly start: number;
    readonly end: number;
}

/** One recent edit as the lines it changed, before and after (a hunk without context lines). */
export interface RecentEdit {
    readonly path: string;
    readonly before: readonly string[];
    readonly after: readonly string[];
}

export interface NextEditPromptInput {
    /** The document's path as the model sees it (relative to the workspace). */
    readonly path: string;
    /** The document now. */
    readonly text: string;
    /** 0-based line of the cursor. */
    readonly cursorLine: number;
    /** The document before the user's last edit to it; undefined when there is none (original = current). */
    readonly original?: string;
    /** Recent edits, oldest first. */
    readonly edits: readonly RecentEdit[];
    /** Lines of the document above and below the window in a file section; 0 (default) leaves it out. */
    readonly fileContextLines?: number;
    readonly windowLines?: number;
    readonly linesAboveCursor?: number;
}

export interface NextEditPrompt {
    readonly prompt: string;
    readonly window: LineWindow;
    /** The window now, as the prompt shows it (each line followed by "\n"): what the output mostly copies. */
    readonly currentBlock: string;
    /** The document the prompt was built from, and where the window lies in it (UTF-16 offsets). */
    readonly text: string;
    readonly windowStartOffset: number;
    readonly windowEndOffset: number;
    /** The window reaches the end of a document whose last line has no "\n" (the block adds one). */
    readonly windowAtEnd: boolean;
}

export function splitLines(text: string): string[] {
    return text.split("\n");
}

export function block(lines: readonly string[]): string {
    let out = "";
    for (const line of lines)
        out += `${line}\n`;
    return out;
}

export function windowAround(cursorLine: number, lineCount: number, size = NEXT_EDIT_WINDOW_LINES, above = NEXT_EDIT_LINES_ABOVE_CURSOR): LineWindow {
    const start = Math.max(0, Math.min(cursorLine - above, lineCount - size));
    return { start, end: Math.min(lineCount, start + size) };
}

/** The lines that differ between two versions: [first, endBefore) became [first, endAfter). */
export function changedLines(before: readonly string[], after: readonly string[]): { first: number; endBefore: number; endAfter: number } {
    let first = 0;
    const common = Math.min(before.length, after.length);
    while (first < common && before[first] === after[first])
        first++;
    let endBefore = before.length;
    let endAfter = after.length;
    while (endBefore > first && endAfter > first && before[endBefore - 1] === after[endAfter - 1]) {
        endBefore--;
        endAfter--;
    }
    return { first, endBefore, endAfter };
}

/** The edit from `before` to `after` (whole documents) as the lines it changed; undefined when equal. */
export function recentEditOf(path: string, before: string, after: string): RecentEdit | undefined {
    if (before === after)
        return undefined;
    const a = splitLines(before);
    const b = splitLines(after);
    const span = changedLines(a, b);
    return { path, before: a.slice(span.first, span.endBefore), after: b.slice(span.first, span.endAfter) };
}

/**
 * The window's lines in the document before the last edit: lines above the edit are where they were,
 * lines below it moved by the lines it added or removed, and the edited lines are the old ones.
 */
export function originalWindowLines(original: readonly string[], current: readonly string[], window: LineWindow): string[] {
    const span = changedLines(original, current);
    const shift = span.endAfter - span.endBefore;
    const map = (line: number, isEnd: boolean): number => {
        if (line <= span.first)
            return line;
        if (line >= span.endAfter)
            return line - shift;
        return isEnd ? span.endBefore : span.first;
    };
    const start = map(window.start, false);
    return original.slice(start, Math.max(start, map(window.end, true)));
}

export function buildNextEditPrompt(input: NextEditPromptInput): NextEditPrompt {
    const lines = splitLines(input.text);
    const cursorLine = Math.max(0, Math.min(lines.length - 1, Math.floor(input.cursorLine)));
    const window = windowAround(cursorLine, lines.length, input.windowLines, input.linesAboveCursor);
    const currentLines = lines.slice(window.start, window.end);
    const originalLines = input.original != null ? originalWindowLines(splitLines(input.original), lines, window) : currentLines;
    const header = `${input.path}:${window.start + 1}:${window.end}\n`;

    let prompt = "";
    const context = Math.max(0, Math.floor(input.fileContextLines ?? 0));
    if (context > 0)
        prompt += `${FILE_SEP}${input.path}\n${block(lines.slice(Math.max(0, window.start - context), window.end + context))}`;
    for (const edit of input.edits)
        prompt += `${FILE_SEP}${edit.path}.diff\noriginal:\n${block(edit.before)}updated:\n${block(edit.after)}`;
    const currentBlock = block(currentLines);
    prompt += `${FILE_SEP}original/${header}${block(originalLines)}`;
    prompt += `${FILE_SEP}current/${header}${currentBlock}`;
    prompt += `${FILE_SEP}updated/${header}`;

    let windowStartOffset = 0;
    for (let line = 0; line < window.start; line++)
        windowStartOffset += lines[line].length + 1;
    const windowAtEnd = window.end === lines.length;
    const windowEndOffset = windowStartOffset + currentBlock.length - (windowAtEnd ? 1 : 0);
    return { prompt, window, currentBlock, text: input.text, windowStartOffset, windowEndOffset, windowAtEnd };
}
