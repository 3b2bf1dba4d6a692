import type { ContextSnippet } from "./SuggestionTypes";
import { selectSnippets } from "./formatExtraContext";
import { firstNewline, lastNewline, safeEnd, safeStart, splitsPair } from "./textBoundaries";

export interface ExtraContextRingOptions {
    /** Most snippets kept; the oldest goes first. Defaults to 16. */
    readonly maxSnippets?: number;
    /** Most characters kept over all snippets; the oldest go first. Defaults to 16 000. */
    readonly maxTotalChars?: number;
    /** Lines taken on each side of the edited line. Defaults to 16. */
    readonly linesAround?: number;
    /** Most characters in one snippet. Defaults to 1 500. */
    readonly maxSnippetChars?: number;
    /**
     * Line-set similarity (Jaccard, 0–1) at or above which a new snippet replaces an old one, so a
     * file edited in several nearby places, or code copied between files, is not sent twice.
     * Defaults to 0.9.
     */
    readonly similarity?: number;
}

interface StoredSnippet extends ContextSnippet {
    /** Range in the file when the snippet was taken; used to replace a chunk of the same place. */
    readonly start: number;
    readonly end: number;
    readonly lines: ReadonlySet<string>;
}

/**
 * Chunks of recently edited or saved files, offered to the model as extra context (the "ring
 * buffer" of llama.vscode). Snippets are kept oldest first and new ones are appended, so the
 * prompt head they form changes only when the ring changes, not on each keystroke.
 */
export class ExtraContextRing {
    private readonly maxSnippets: number;
    private readonly maxTotalChars: number;
    private readonly linesAround: number;
    private readonly maxSnippetChars: number;
    private readonly similarity: number;
    private items: StoredSnippet[] = [];
    private chars = 0;

    public constructor(options: ExtraContextRingOptions = {}) {
        this.maxSnippets = Math.max(1, options.maxSnippets ?? 16);
        this.maxTotalChars = Math.max(0, options.maxTotalChars ?? 16_000);
        this.linesAround = Math.max(0, options.linesAround ?? 16);
        this.maxSnippetChars = Math.max(1, options.maxSnippetChars ?? 1_500);
        this.similarity = options.similarity ?? 0.9;
    }

    public get size(): number {
        return this.items.length;
    }

    public get totalChars(): number {
        return this.chars;
    }

    /**
     * Takes the lines around `aroundOffset` in `text` as a snippet. `text` may be the file's full
     * text (only about `maxSnippetChars` around the offset are read) or a slice of it that starts at
     * file offset `textStart`; giving `textStart` keeps the ranges of one file comparable, so a new
     * chunk replaces an older one of the same place. Returns false when nothing changed: blank
     * chunk, or the same chunk already held.
     */
    public add(path: string, text: string, aroundOffset: number, textStart = 0): boolean {
        const range = chunkAround(text, aroundOffset, this.linesAround, this.maxSnippetChars);
        const chunk = text.slice(range.start, range.end).replace(/\r?\n$/, "");
        const start = textStart + range.start;
        const end = textStart + range.end;
        if (chunk.trim() === "")
            return false;
        // Re-adding an unchanged chunk (a save after an edit, a second edit event) must not move it
        // to the end: that would change the prompt head for nothing.
        if (this.items.some((item) => item.path === path && item.text === chunk))
            return false;
        const lines = lineSet(chunk);
        const replaced = this.items.filter(
            (item) =>
                (item.path === path && item.start < end && start < item.end) ||
                jaccard(item.lines, lines) >= this.similarity
        );
        for (const item of replaced)
            this.remove(item);
        this.items.push({ path, text: chunk, start, end, lines });
        this.chars += chunk.length;
        while (this.items.length > this.maxSnippets || (this.chars > this.maxTotalChars && this.items.length > 1))
            this.remove(this.items[0]);
        if (this.chars > this.maxTotalChars) {
            // A single chunk larger than the whole ring's budget.
            this.remove(this.items[0]);
            return false;
        }
        return true;
    }

    /**
     * Snippets for a prompt, oldest first, without those of `excludePath` (the document being
     * completed is already in the prompt), fitting in `maxChars` once formatted.
     */
    public snippets(excludePath: string | undefined, maxChars: number): ContextSnippet[] {
        const candidates = this.items
            .filter((item) => item.path !== excludePath)
            .map((item): ContextSnippet => ({ path: item.path, text: item.text }));
        return selectSnippets(candidates, maxChars);
    }

    /** Forgets a file's snippets, e.g. when it is deleted or renamed. */
    public deletePath(path: string): void {
        for (const item of this.items.filter((candidate) => candidate.path === path))
            this.remove(item);
    }

    public clear(): void {
        this.items = [];
        this.chars = 0;
    }

    private remove(item: StoredSnippet): void {
        const index = this.items.indexOf(item);
        if (index >= 0) {
            this.items.splice(index, 1);
            this.chars -= item.text.length;
        }
    }
}

/**
 * Range of up to `linesAround` lines on each side of the line holding `offset`, growing one line
 * above and one below at a time while it fits in `maxChars`. Reads only about `maxChars` characters
 * on each side, so a huge single-line file costs no more than a small one.
 */
export function chunkAround(
    text: string,
    offset: number,
    linesAround: number,
    maxChars: number
): { start: number; end: number } {
    offset = Math.min(Math.max(0, Math.floor(offset)), text.length);
    if (splitsPair(text, offset))
        offset--;
    const low = Math.max(0, offset - maxChars);
    const high = Math.min(text.length, offset + maxChars);
    const before = lastNewline(text, low, offset);
    const after = firstNewline(text, offset, high);
    const lineStart = before >= 0 ? before + 1 : low === 0 ? 0 : undefined;
    const lineEnd = after >= 0 ? after + 1 : high === text.length ? text.length : undefined;

    if (lineStart === undefined || lineEnd === undefined || lineEnd - lineStart > maxChars) {
        // The edited line alone is too long (minified code): a window centred on the offset.
        const first = lineStart ?? low;
        const last = lineEnd ?? high;
        const start = Math.max(first, Math.min(offset - Math.floor(maxChars / 2), last - maxChars));
        return {
            start: safeStart(text, start, offset),
            end: safeEnd(text, Math.min(last, start + maxChars), offset)
        };
    }

    let start = lineStart;
    let end = lineEnd;
    let above = 0;
    let below = 0;
    for (let grew = true; grew; ) {
        grew = false;
        if (above < linesAround && start > 0) {
            const previous = previousLineStart(text, start, end - maxChars);
            if (previous !== undefined) {
                start = previous;
                above++;
                grew = true;
            }
        }
        if (below < linesAround && end < text.length) {
            const next = nextLineEnd(text, end, start + maxChars);
            if (next !== undefined) {
                end = next;
                below++;
                grew = true;
            }
        }
    }
    return { start, end };
}

/** Start of the line ending at `start` (text[start - 1] is "\n"), if it starts at or after `minStart`. */
function previousLineStart(text: string, start: number, minStart: number): number | undefined {
    const newline = lastNewline(text, Math.max(0, minStart - 1), start - 1);
    if (newline >= 0)
        return newline + 1;
    return minStart <= 0 ? 0 : undefined;
}

/** End (after its line break) of the line starting at `end`, if it ends at or before `maxEnd`. */
function nextLineEnd(text: string, end: number, maxEnd: number): number | undefined {
    const newline = firstNewline(text, end, maxEnd);
    if (newline >= 0)
        return newline + 1;
    return text.length <= maxEnd ? text.length : undefined;
}

function lineSet(text: string): Set<string> {
    const lines = new Set<string>();
    for (const line of text.split("\n")) {
        const trimmed = line.trim();
        if (trimmed !== "")
            lines.add(trimmed);
    }
    return lines;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
    if (a.size === 0 && b.size === 0)
        return 1;
    let shared = 0;
    for (const line of a)
        if (b.has(line))
            shared++;
    return shared / (a.size + b.size - shared);
}
