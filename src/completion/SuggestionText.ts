// From a generation's raw, possibly still growing text to the piece worth showing at the cursor:
// the first line as soon as it is complete, the whole block once the generation ends, each piece
// cleaned by the same rules (cleanCompletion).
import { cleanCompletion } from "./cleanCompletion";

/** Where a suggestion goes, as the cleaner needs to know it. */
export interface SuggestionContext {
    /** Text of the cursor line before the cursor (bounded). */
    readonly linePrefix: string;
    /** Text of the cursor line after the cursor (bounded). */
    readonly lineSuffix: string;
    /** Lines after the cursor line. */
    readonly nextLines: readonly string[];
    readonly eol: "\n" | "\r\n";
    /** Most lines in a suggestion here: 1 when the cursor has text to its right. */
    readonly maxLines: number;
    readonly indentUnit?: string;
    readonly tabSize?: number;
}

/** Cleans `raw` for the place `context` describes, with at most `maxLines` lines. */
export function cleanFor(raw: string, context: SuggestionContext, maxLines = context.maxLines): string {
    return cleanCompletion({
        raw,
        linePrefix: context.linePrefix,
        lineSuffix: context.lineSuffix,
        nextLines: context.nextLines,
        eol: context.eol,
        maxLines,
        ...(context.indentUnit != null ? { indentUnit: context.indentUnit } : {}),
        ...(context.tabSize != null ? { tabSize: context.tabSize } : {})
    });
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
    | { readonly kind: "show"; readonly text: string; readonly final: boolean }
    | { readonly kind: "wait" }
    | { readonly kind: "none" };

export function pieceFor(
    generation: { readonly raw: string; readonly done: boolean; readonly finalText: string | undefined },
    typed: string,
    context: SuggestionContext
): PieceDecision {
    if (generation.finalText != null) {
        const full = cleanFor(generation.finalText, context);
        return full.length > typed.length && full.startsWith(typed) ? { kind: "show", text: full.slice(typed.length), final: true } : { kind: "none" };
    }
    if (generation.done)
        return { kind: "none" };
    // The complete lines so far (from the first line with content on): shown while the rest of the
    // block is still decoding, so the first line appears as soon as it is complete, and after the
    // user accepts it the next line does too.
    if (firstRawLine(generation.raw, false).complete) {
        const complete = generation.raw.slice(0, generation.raw.lastIndexOf("\n"));
        const lines = cleanFor(complete, context, Math.min(context.maxLines, lineCount(complete)));
        if (lines.length > typed.length && lines.startsWith(typed))
            return { kind: "show", text: lines.slice(typed.length), final: false };
        // Typed (or accepted) all complete lines: the rest comes as the block goes on.
        if (typed.startsWith(lines) && lines !== "")
            return { kind: "wait" };
    }
    const raw = generation.raw;
    return raw.startsWith(typed) || typed.startsWith(raw) ? { kind: "wait" } : { kind: "none" };
}

/**
 * The part of an unfinished first line worth showing when the latency budget runs out: up to its
 * last word boundary, cleaned; "" when not even one word is there.
 */
export function partialPiece(raw: string, typed: string, context: SuggestionContext): string {
    const first = firstRawLine(raw, false);
    if (first.complete || !raw.startsWith(typed))
        return "";
    const boundary = lastWordBoundary(first.text);
    if (boundary <= typed.length)
        return "";
    const line = cleanFor(first.text.slice(0, boundary), context, lineCount(first.text));
    return line.length > typed.length && line.startsWith(typed) ? line.slice(typed.length) : "";
}

/** Index just past the last complete word (before trailing identifier characters still being written). */
function lastWordBoundary(text: string): number {
    let index = text.length;
    while (index > 0 && /[\p{L}\p{N}_$]/u.test(text[index - 1]!))
        index--;
    return index;
}
