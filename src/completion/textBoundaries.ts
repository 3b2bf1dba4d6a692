// Cut helpers shared by the prompt window, the context ring and the output cleaner. A cut must never
// leave half of a surrogate pair, half of a CRLF, or a combining mark without its base character:
// the model would see a broken character (the tokenizer turns it into U+FFFD bytes) and the editor
// would show one.

const LF = 0x0a;
const CR = 0x0d;

export function isHighSurrogate(code: number): boolean {
    return code >= 0xd800 && code <= 0xdbff;
}

export function isLowSurrogate(code: number): boolean {
    return code >= 0xdc00 && code <= 0xdfff;
}

// Marks, variation selectors, zero-width joiners and emoji skin-tone modifiers all attach to the
// character before them, so a cut right before one would orphan it.
const ATTACHES_TO_PREVIOUS = /^(?:\p{M}|\u200d|[\u{1F3FB}-\u{1F3FF}])/u;

/** True when cutting `text` at `index` would separate a surrogate pair or a CRLF. */
export function splitsPair(text: string, index: number): boolean {
    if (index <= 0 || index >= text.length)
        return false;
    const before = text.charCodeAt(index - 1);
    const after = text.charCodeAt(index);
    return (isHighSurrogate(before) && isLowSurrogate(after)) || (before === CR && after === LF);
}

/** True when cutting at `index` would split a pair or a grapheme (mark, joiner, modifier). */
export function splitsCharacter(text: string, index: number): boolean {
    if (index <= 0 || index >= text.length)
        return false;
    if (splitsPair(text, index))
        return true;
    if (text.charCodeAt(index - 1) === 0x200d)
        return true;
    // Only the code point at `index` matters; slicing two code units keeps the regex O(1).
    return ATTACHES_TO_PREVIOUS.test(text.slice(index, index + 2));
}

/** Moves a cut that starts a piece forward, at most to `limit`, until it splits nothing. */
export function safeStart(text: string, index: number, limit: number): number {
    while (index < limit && splitsCharacter(text, index))
        index++;
    return index;
}

/** Moves a cut that ends a piece backward, at most to `limit`, until it splits nothing. */
export function safeEnd(text: string, index: number, limit: number): number {
    while (index > limit && splitsCharacter(text, index))
        index--;
    return index;
}

/**
 * Index of the first "\n" in [from, to), or -1. Bounded on purpose: `String#indexOf` would keep
 * scanning a 5 MB single-line file to its end.
 */
export function firstNewline(text: string, from: number, to: number): number {
    const end = Math.min(to, text.length);
    for (let i = Math.max(0, from); i < end; i++)
        if (text.charCodeAt(i) === LF)
            return i;
    return -1;
}

/** Index of the last "\n" in [from, to), or -1; bounded like {@link firstNewline}. */
export function lastNewline(text: string, from: number, to: number): number {
    const start = Math.max(0, from);
    for (let i = Math.min(to, text.length) - 1; i >= start; i--)
        if (text.charCodeAt(i) === LF)
            return i;
    return -1;
}
