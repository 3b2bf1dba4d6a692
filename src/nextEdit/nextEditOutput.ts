import { splitLines, type NextEditPrompt } from "./nextEditPrompt";

/** One replacement in a document: UTF-16 offsets [start, end) become `text`. */
export interface TextEdit {
    readonly start: number;
    readonly end: number;
    readonly text: string;
}

/**
 * Why no edit is offered:
 * - "noChange": the model rewrote the window as it is (the usual answer: nothing to do here);
 * - "unparseable": the output is not a window of whole lines (cut off by the token limit, a marker
 *   of the prompt layout in it, far more lines than the window);
 * - "deletesMost": the rewrite drops most of the window's text;
 * - "outsideWindow": the rewrite runs past the window, repeating the lines after it;
 * - "stale": the document changed since the request in a way the edit does not account for.
 */
export type NoEditReason = "noChange" | "unparseable" | "deletesMost" | "outsideWindow" | "stale";

export type NextEditOutcome =
    | { readonly kind: "edit"; readonly edit: TextEdit }
    | { readonly kind: "none"; readonly reason: NoEditReason };

/** Prompt-layout markers a well-formed window never contains. */
const markers = ["<|file_sep|>", "<|endoftext|>", "<|fim_", "<|repo_name|>", "<|im_"];

/** Share of the window's non-blank characters a rewrite must keep. */
const minKeptShare = 0.5;

/**
 * Turns the model's output (the updated window, generation stopped at its end-of-text) into one
 * edit of the document the prompt was built from, or the reason there is none. `complete` is false
 * when generation stopped for another reason than the model's end (token limit, abort): then the
 * last line may be cut and nothing is offered.
 */
export function editFromOutput(output: string, prompt: NextEditPrompt, complete: boolean): NextEditOutcome {
    if (!complete || markers.some((marker) => output.includes(marker)) || !output.endsWith("\n"))
        return none("unparseable");
    const current = prompt.currentBlock;
    const windowLines = prompt.window.end - prompt.window.start;
    const updatedLines = splitLines(output).length - 1;
    if (updatedLines > 2 * windowLines + 2)
        return none("unparseable");
    if (output === current)
        return none("noChange");
    if (updatedLines > windowLines && repeatsLinesAfter(output, prompt))
        return none("outsideWindow");
    if (nonBlank(output) < minKeptShare * nonBlank(current))
        return none("deletesMost");

    // The block ends with "\n" even where the document's last line has none: compare without it.
    const trim = prompt.windowAtEnd ? 1 : 0;
    const a = current.slice(0, current.length - trim);
    const b = output.slice(0, output.length - trim);
    const edit = minimalReplacement(a, b);
    if (edit == null)
        return none("noChange");
    return {
        kind: "edit",
        edit: { start: prompt.windowStartOffset + edit.start, end: prompt.windowStartOffset + edit.end, text: edit.text }
    };
}

/**
 * The edit again for the document as it is now, or "stale". The document may have changed outside
 * the window (the edit moves with it), or the user may have typed the start of the edit's new text
 * where it goes (the rest is still offered); any other change in or around the window drops it.
 */
export function rebaseEdit(edit: TextEdit, prompt: NextEditPrompt, now: string): NextEditOutcome {
    const then = prompt.text;
    if (now === then)
        return { kind: "edit", edit };
    const change = minimalReplacement(then, now)!;
    const windowStart = prompt.windowStartOffset;
    const windowEnd = prompt.windowEndOffset;
    const delta = change.text.length - (change.end - change.start);
    if (change.start > windowEnd)
        return { kind: "edit", edit };
    if (change.end < windowStart)
        return { kind: "edit", edit: { start: edit.start + delta, end: edit.end + delta, text: edit.text } };
    // Typed ahead: an insertion at the edit's start that begins its new text.
    if (change.start === change.end && change.start === edit.start && change.text.length < edit.text.length && edit.text.startsWith(change.text)) {
        const typed = change.text.length;
        return { kind: "edit", edit: { start: edit.start + typed, end: edit.end + typed, text: edit.text.slice(typed) } };
    }
    return none("stale");
}

/** The shortest single replacement turning `a` into `b` (never splitting a surrogate pair), or undefined when equal. */
export function minimalReplacement(a: string, b: string): TextEdit | undefined {
    if (a === b)
        return undefined;
    let start = 0;
    const common = Math.min(a.length, b.length);
    while (start < common && a.charCodeAt(start) === b.charCodeAt(start))
        start++;
    if (start > 0 && isLowSurrogate(a.charCodeAt(start)))
        start--;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
        endA--;
        endB--;
    }
    if (endA < a.length && isLowSurrogate(a.charCodeAt(endA))) {
        endA++;
        endB++;
    }
    return { start, end: endA, text: b.slice(start, endB) };
}

/** The output's lines past the window's count are the document's lines after the window. */
function repeatsLinesAfter(output: string, prompt: NextEditPrompt): boolean {
    const windowLines = prompt.window.end - prompt.window.start;
    const outputLines = splitLines(output).slice(0, -1);
    const extra = outputLines.slice(windowLines);
    const after = splitLines(prompt.text).slice(prompt.window.end, prompt.window.end + extra.length);
    return extra.length > 0 && extra.every((line, index) => line === after[index]);
}

function nonBlank(text: string): number {
    let count = 0;
    for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code !== 32 && code !== 9 && code !== 10 && code !== 13)
            count++;
    }
    return count;
}

function isLowSurrogate(code: number): boolean {
    return code >= 0xdc00 && code <= 0xdfff;
}

function none(reason: NoEditReason): NextEditOutcome {
    return { kind: "none", reason };
}
