import type { ContextSnippet } from "./SuggestionTypes";
import { formatExtraContext } from "./formatExtraContext";
import { firstNewline, lastNewline, safeEnd, safeStart, splitsPair } from "./textBoundaries";

/**
 * Characters per token assumed when sizing a window from a token budget. Code averages 3.5–4
 * characters per token with current code tokenizers; 3 under-estimates on purpose so that a window
 * rarely exceeds its budget. The engine tokenizes and trims exactly; this only keeps the text we
 * hand it (and tokenize on every keystroke) close to what it can use.
 */
export const CHARS_PER_TOKEN_ESTIMATE = 3;

/** Converts a token budget to a character budget for {@link buildPromptWindow}. */
export function tokensToChars(tokens: number, charsPerToken: number = CHARS_PER_TOKEN_ESTIMATE): number {
    if (!Number.isFinite(tokens) || tokens <= 0 || !(charsPerToken > 0))
        return 0;
    return Math.floor(tokens * charsPerToken);
}

export interface PromptWindowInput {
    /** The document's full text. Only the window around the cursor is read. */
    readonly text: string;
    /** Cursor offset in UTF-16 code units, as `TextDocument.offsetAt` gives it. */
    readonly offset: number;
    /** Snippets of other files, oldest first (see {@link formatExtraContext}). */
    readonly extraContext?: readonly ContextSnippet[];
    readonly maxPrefixChars: number;
    readonly maxSuffixChars: number;
    /** Budget of the extra-context block, separate from the prefix so neither crowds out the other. */
    readonly maxExtraContextChars: number;
}

export interface PromptWindow {
    readonly prefix: string;
    readonly suffix: string;
    /** Formatted extra context, to go before the prefix; "" when there is none. */
    readonly extraContext: string;
    /** Document offset where `prefix` starts. */
    readonly prefixStart: number;
    /** Document offset where `suffix` ends. */
    readonly suffixEnd: number;
}

/**
 * Cuts the text around the cursor into a prefix and a suffix that fit their budgets, at line
 * boundaries where possible. Runs in time proportional to the window, never to the document: a
 * 5 MB minified file on one line costs the same as a small one.
 */
export function buildPromptWindow(input: PromptWindowInput): PromptWindow {
    const { text } = input;
    let offset = Math.min(Math.max(0, Math.floor(input.offset)), text.length);
    // The editor never puts the cursor inside a surrogate pair or a CRLF; if a caller does, keep the
    // whole character on the suffix side rather than send half of it.
    if (splitsPair(text, offset))
        offset--;
    const prefixStart = cutPrefix(text, offset, budget(input.maxPrefixChars));
    const suffixEnd = cutSuffix(text, offset, budget(input.maxSuffixChars));
    return {
        prefix: text.slice(prefixStart, offset),
        suffix: text.slice(offset, suffixEnd),
        extraContext: formatExtraContext(input.extraContext ?? [], budget(input.maxExtraContextChars)),
        prefixStart,
        suffixEnd
    };
}

function budget(chars: number): number {
    return Number.isFinite(chars) && chars > 0 ? Math.floor(chars) : 0;
}

/**
 * Start of the prefix. The earliest allowed start is snapped forward to a grid of 1/16 of the
 * budget, so that while the user types the start (and with it the prompt head the KV cache holds)
 * moves once every few keystrokes instead of on each one. Within the window we start on the first
 * line boundary, so the cursor line stays whole; only a cursor line longer than the budget is cut.
 */
function cutPrefix(text: string, offset: number, maxChars: number): number {
    if (offset <= maxChars)
        return 0;
    const earliest = offset - maxChars;
    const quantum = Math.max(1, Math.floor(maxChars / 16));
    const snapped = Math.min(offset, Math.ceil(earliest / quantum) * quantum);
    // A line starts right after a "\n": look for one at index >= snapped - 1 so `snapped` itself can
    // be a line start.
    let newline = firstNewline(text, snapped - 1, offset);
    if (newline < 0)
        newline = lastNewline(text, earliest - 1, snapped - 1);
    if (newline >= 0)
        return newline + 1;
    return safeStart(text, snapped, offset);
}

/** End of the suffix: after the last whole line that fits, or mid-line when the cursor line is too long. */
function cutSuffix(text: string, offset: number, maxChars: number): number {
    if (text.length - offset <= maxChars)
        return text.length;
    const latest = offset + maxChars;
    const newline = lastNewline(text, offset, latest);
    if (newline >= 0)
        return newline + 1;
    return safeEnd(text, latest, offset);
}
