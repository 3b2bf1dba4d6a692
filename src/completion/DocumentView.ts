// A read-only view of a document for the completion pipeline: the VS Code adapter wraps a
// TextDocument, the bench and the tests wrap a string. Only bounded ranges are ever read, so a 5 MB
// file costs what a small one does.

export interface DocumentView {
    /** Identifies the document (a URI string); caches and generations are kept per document. */
    readonly uri: string;
    /** Length in UTF-16 code units. */
    readonly length: number;
    /** The document's line break; suggestions use it. */
    readonly eol: "\n" | "\r\n";
    /** Text in [start, end), both clamped to the document. */
    getText(start: number, end: number): string;
}

/** A document held as a string (bench, tests, and the documents a prefetch imagines). */
export function stringDocument(uri: string, text: string, eol?: "\n" | "\r\n"): DocumentView {
    return {
        uri,
        length: text.length,
        eol: eol ?? (text.includes("\r\n") ? "\r\n" : "\n"),
        getText: (start, end) => text.slice(clamp(start, text.length), clamp(end, text.length))
    };
}

/**
 * A copy of `document` around `offset`, `before` characters back and `after` forward: what a
 * request at `offset` reads, kept so that work continuing after the document moves on (a prefetch)
 * sees the text the request saw. Reads outside the copied range return what lies inside it.
 */
export function snapshotAround(document: DocumentView, offset: number, before: number, after: number): DocumentView {
    const start = clamp(offset - before, document.length);
    const end = clamp(offset + after, document.length);
    const text = document.getText(start, end);
    return {
        uri: document.uri,
        length: document.length,
        eol: document.eol,
        getText: (from, to) => text.slice(clamp(from - start, text.length), clamp(to - start, text.length))
    };
}

/** `document` as it will read once `inserted` is typed (or accepted) at `offset`. */
export function withInsertion(document: DocumentView, offset: number, inserted: string): DocumentView {
    const at = clamp(offset, document.length);
    return {
        uri: document.uri,
        length: document.length + inserted.length,
        eol: document.eol,
        getText: (from, to) => {
            const start = clamp(from, document.length + inserted.length);
            const end = clamp(to, document.length + inserted.length);
            if (end <= start)
                return "";
            const before = start < at ? document.getText(start, Math.min(end, at)) : "";
            const middle = inserted.slice(Math.max(0, start - at), Math.max(0, Math.min(end - at, inserted.length)));
            const after = end > at + inserted.length ? document.getText(Math.max(at, start - inserted.length), end - inserted.length) : "";
            return before + middle + after;
        }
    };
}

/** The cursor line around `offset`: text before and after the cursor on that line, each at most `maxChars`. */
export function lineAround(document: DocumentView, offset: number, maxChars: number): { linePrefix: string; lineSuffix: string; lineStart: number } {
    const before = document.getText(offset - maxChars, offset);
    const newline = before.lastIndexOf("\n");
    const linePrefix = newline >= 0 ? before.slice(newline + 1) : before;
    const after = document.getText(offset, offset + maxChars);
    const end = after.indexOf("\n");
    let lineSuffix = end >= 0 ? after.slice(0, end) : after;
    if (lineSuffix.endsWith("\r"))
        lineSuffix = lineSuffix.slice(0, -1);
    return { linePrefix, lineSuffix, lineStart: offset - linePrefix.length };
}

/** Up to `count` lines after the cursor line, each cut to `maxChars` (for comparing a suggestion with what follows). */
export function linesAfter(document: DocumentView, offset: number, count: number, maxChars: number): string[] {
    const text = document.getText(offset, offset + (count + 1) * maxChars);
    const lines = text.split("\n").slice(1, count + 1).map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line).slice(0, maxChars));
    // The last piece may be a line cut by the read window; keep it (it is still what follows).
    return lines;
}

function clamp(value: number, length: number): number {
    return Math.min(Math.max(0, Math.floor(value)), length);
}

/** Up to `count` lines before the cursor line, nearest last, each cut to its last `maxChars`. */
export function linesBefore(document: DocumentView, offset: number, count: number, maxChars: number): string[] {
    const text = document.getText(offset - (count + 1) * maxChars, offset);
    const lines = text.split("\n");
    lines.pop();
    return lines.slice(-count).map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line).slice(-maxChars));
}
