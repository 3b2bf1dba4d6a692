// From a generation's raw, possibly still growing text to the piece worth showing at the cursor:
// the first line as soon as it is complete, the whole block once the generation ends, each piece
// cleaned by the same rules (cleanCompletion).
import { cleanCompletionEdit, firstLineSettled, type CleanCompletionInput, type CompletionEdit } from "./cleanCompletion";
import { provisionalRunawayEnd } from "./cleaning/runawayLine";

/** Where a suggestion goes, as the cleaner needs to know it. */
export interface SuggestionContext {
    /** Text of the cursor line before the cursor (bounded). */
    readonly linePrefix: string;
    /** Text of the cursor line after the cursor (bounded). */
    readonly lineSuffix: string;
    /** Lines after the cursor line. */
    readonly nextLines: readonly string[];
    /** Lines before the cursor line, nearest last (brackets opened above, repeated lines). */
    readonly previousLines: readonly string[];
    /** The document's language id: which comments, strings and regex literals bracket matching skips. */
    readonly languageId?: string;
    readonly eol: "\n" | "\r\n";
    /** Most lines in a suggestion here: 1 when the cursor has text to its right. */
    readonly maxLines: number;
    readonly indentUnit?: string;
    readonly tabSize?: number;
}

function cleanInput(raw: string, context: SuggestionContext, maxLines: number): CleanCompletionInput {
    return {
        raw,
        linePrefix: context.linePrefix,
        lineSuffix: context.lineSuffix,
        nextLines: context.nextLines,
        previousLines: context.previousLines,
        eol: context.eol,
        maxLines,
        ...(context.languageId != null ? { languageId: context.languageId } : {}),
        ...(context.indentUnit != null ? { indentUnit: context.indentUnit } : {}),
        ...(context.tabSize != null ? { tabSize: context.tabSize } : {})
    };
}

/**
 * Cleans `raw` for the place `context` describes, with at most `maxLines` lines: the text to insert
 * and how many characters right of the cursor it replaces (closers the editor auto-inserted).
 */
export function cleanFor(raw: string, context: SuggestionContext, maxLines = context.maxLines): CompletionEdit {
    return cleanCompletionEdit(cleanInput(raw, context, maxLines));
}

/**
 * Whether a first line still being generated is already decided (cut for repetition or length, or
 * ended by a special token): it is then the whole suggestion, and decoding more changes nothing.
 */
export function firstLineIsSettled(raw: string, context: SuggestionContext): boolean {
    return !/[\r\n]/.test(raw) && firstLineSettled(cleanInput(raw, context, 1));
}

/**
 * The raw text up to the end of its first line with content (leading blank lines belong to it:
 * a completion after `{` starts with a line break), and whether that line is complete: its line
 * break has arrived, or the generation has ended.
 */
export function firstRawLine(raw: string, ended: boolean): { readonly text: string; readonly complete: boolean } {
    let index = 0;
    while (index < raw.length) {
        const newline = raw.indexOf("\n", index);
        if (newline < 0)
            break;
        if (/\S/.test(raw.slice(index, newline)))
            return { text: raw.slice(0, newline), complete: true };
        index = newline + 1;
    }
    return { text: raw, complete: ended };
}

export function lineCount(text: string): number {
    let count = 1;
    for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1))
        count++;
    return count;
}

/**
 * What a generation can show for a cursor `typed` characters past where it started:
 * - `show`: the text to show (the rest of its complete lines while it decodes, of the whole block once it ended),
 * - `wait`: nothing yet, but the generation may still produce it,
 * - `none`: this generation cannot serve this cursor (the user typed something else, or it ended).
 */
export type PieceDecision =
    | { readonly kind: "show"; readonly text: string; readonly overwriteChars: number; readonly final: boolean }
    | { readonly kind: "wait" }
    | { readonly kind: "none" };

export function pieceFor(
    generation: { readonly raw: string; readonly done: boolean; readonly finalText: string | undefined },
    typed: string,
    context: SuggestionContext
): PieceDecision {
    if (generation.finalText != null) {
        const final = generation.finalText;
        const edit = cleanFor(final, context);
        return showFrom(edit, typed, true) ?? continuationAfter(final, edit.text, typed, context, true) ?? { kind: "none" };
    }
    if (generation.done)
        return { kind: "none" };
    // The complete lines so far (from the first line with content on): shown while the rest of the
    // block is still decoding, so the first line appears as soon as it is complete, and after the
    // user accepts it the next line does too.
    if (firstRawLine(generation.raw, false).complete) {
        const complete = generation.raw.slice(0, generation.raw.lastIndexOf("\n"));
        const lines = cleanFor(complete, context, Math.min(context.maxLines, lineCount(complete)));
        const show = showFrom(lines, typed, false);
        if (show != null)
            return show;
        // Typed (or accepted) all complete lines: the rest comes as the block goes on.
        if (typed.startsWith(lines.text) && lines.text !== "")
            return { kind: "wait" };
    }
    const raw = generation.raw;
    return raw.startsWith(typed) || typed.startsWith(raw) ? { kind: "wait" } : { kind: "none" };
}

/**
 * When the user has accepted all the cleaned text and more of what the model wrote (a partial line
 * the finished line's cleaning cut back, `the the` of `the the the …`), the rest of the raw text
 * is still exactly what the model writes after it: cleaned where the cursor now is, it is the
 * suggestion there — what a new generation would show, without computing it again.
 */
function continuationAfter(raw: string, cleaned: string, typed: string, context: SuggestionContext, final: boolean): PieceDecision | undefined {
    if (typed === "" || !raw.startsWith(typed) || !typed.startsWith(cleaned))
        return undefined;
    const rest = raw.slice(typed.length);
    const here = contextAfter(context, typed);
    // A generation that stopped once its line was settled ends mid-line: its rest is a suggestion
    // only where that rest is itself settled (or has a whole line).
    if (final && !firstRawLine(rest, false).complete && !firstLineIsSettled(rest, here))
        return undefined;
    const edit = final ? cleanFor(rest, here) : partialPiece(rest, "", here);
    return edit != null && edit.text !== "" ? { kind: "show", text: edit.text, overwriteChars: edit.overwriteChars, final } : undefined;
}

/** The place `typed` characters after `context`'s, the typed text now part of the document. */
function contextAfter(context: SuggestionContext, typed: string): SuggestionContext {
    const lines = typed.split(/\r?\n/);
    if (lines.length === 1)
        return { ...context, linePrefix: context.linePrefix + typed };
    const previousLines = [...context.previousLines, context.linePrefix + lines[0]!, ...lines.slice(1, -1)];
    return { ...context, linePrefix: lines[lines.length - 1]!, previousLines: previousLines.slice(-Math.max(1, context.previousLines.length)) };
}

/** The rest of `edit` after `typed`, when the user typed (or accepted) its beginning. */
function showFrom(edit: CompletionEdit, typed: string, final: boolean): PieceDecision | undefined {
    if (edit.text.length <= typed.length || !edit.text.startsWith(typed))
        return undefined;
    return { kind: "show", text: edit.text.slice(typed.length), overwriteChars: edit.overwriteChars, final };
}

/**
 * The part of an unfinished first line worth showing when the latency budget runs out: up to its
 * last word boundary, cleaned; "" when not even one word is there.
 */
export function partialPiece(raw: string, typed: string, context: SuggestionContext): { readonly text: string; readonly overwriteChars: number } | undefined {
    const first = firstRawLine(raw, false);
    if (first.complete || !raw.startsWith(typed))
        return undefined;
    // Not past a repetition the finished line would lose (`the the the` becomes `the`).
    const boundary = Math.min(lastWordBoundary(first.text), provisionalRunawayEnd(first.text) ?? Infinity);
    if (boundary <= typed.length)
        return undefined;
    const line = cleanFor(first.text.slice(0, boundary), context, lineCount(first.text));
    if (line.text.length > typed.length && line.text.startsWith(typed))
        return { text: line.text.slice(typed.length), overwriteChars: line.overwriteChars };
    const continuation = continuationAfter(raw, line.text, typed, context, false);
    return continuation?.kind === "show" ? { text: continuation.text, overwriteChars: continuation.overwriteChars } : undefined;
}

/** Index just past the last complete word (before trailing identifier characters still being written). */
function lastWordBoundary(text: string): number {
    let index = text.length;
    while (index > 0 && /[\p{L}\p{N}_$]/u.test(text[index - 1]!))
        index--;
    return index;
}
