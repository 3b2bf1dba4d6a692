import { indentWidth, limitLines } from "./cleaning/blockScope";
import { openAfter, syntaxFor } from "./cleaning/BracketScanner";
import { findRunawayCut } from "./cleaning/runawayLine";
import { couldStartSpecialToken, dropBrokenEnds, maxSpecialTokenChars, splitAtSpecialToken } from "./cleaning/specialTokens";
import { fitToLineSuffix } from "./cleaning/suffixOverlap";

export { stripSpecialTokens } from "./cleaning/specialTokens";

export interface CleanCompletionInput {
    /** The model's text, as the engine returned it. */
    readonly raw: string;
    /** Text of the cursor line before the cursor. */
    readonly linePrefix: string;
    /** Text of the cursor line after the cursor. */
    readonly lineSuffix: string;
    /** Lines after the cursor line; the first few non-empty ones are enough. */
    readonly nextLines: readonly string[];
    /**
     * Lines before the cursor line, in document order; the last 10 to 20 are enough. Brackets they
     * leave open let a completion close them (`b))` closing a call opened above), and a line that
     * repeats the one above the cursor is not taken for an echo. Defaults to none.
     */
    readonly previousLines?: readonly string[];
    /**
     * The document's VS Code language id. Decides which comments, strings and regex literals
     * bracket matching skips. Defaults to quotes only.
     */
    readonly languageId?: string;
    /** The document's line break; the result uses it. */
    readonly eol: "\n" | "\r\n";
    /** Most lines in the result; below 1 counts as 1. */
    readonly maxLines: number;
    /**
     * The document's indentation unit ("\t" or some spaces). When given, the model's indentation on
     * lines after the first is converted to it, so a space-indenting model does not put spaces into
     * a tab-indented file. Defaults to leaving indentation as the model wrote it.
     */
    readonly indentUnit?: string;
    /** Columns per tab when comparing indentation. Defaults to 4. */
    readonly tabSize?: number;
}

/**
 * A cleaned suggestion as an edit of the cursor line: insert `text` at the cursor, replacing the
 * `overwriteChars` characters right of the cursor on the cursor line. `overwriteChars` is above 0 only
 * mid-line, when the model wrote through characters the editor auto-closed (`foo(|)` + `a, b);`
 * gives `{ text: "a, b);", overwriteChars: 1 }`); those characters re-appear, in order, in `text`.
 * `text` is "" when nothing is worth showing.
 */
export interface CompletionEdit {
    readonly text: string;
    readonly overwriteChars: number;
}

/**
 * Turns raw model output into the text worth showing as ghost text, as an edit that may replace
 * auto-closed characters right of the cursor (see {@link CompletionEdit}).
 *
 * Each rule answers a complaint users have about peer extensions, and none may break a correct
 * completion (docs/quality.md measures both): leaked stop tokens; completions that re-type the next
 * line or what is right of the cursor; doubled brackets and quotes; completions that run past the end
 * of the block (keeping its closing line when the document lacks one); degenerate repetition and
 * endless lines; mixed indentation. Mid-line, whitespace the model ends with is kept when code
 * follows it (`else ` before `if (`).
 */
export function cleanCompletionEdit(input: CleanCompletionInput): CompletionEdit {
    return clean(input).edit;
}

/**
 * The cleaned suggestion as text to insert at the cursor, for a caller that cannot replace text right
 * of the cursor: where the model wrote through auto-closed characters, the text stops before its
 * own copy of them (`foo(|)` + `a, b);` gives `a, b`), so nothing is doubled.
 */
export function cleanCompletion(input: CleanCompletionInput): string {
    return clean(input).insertOnly;
}

/**
 * For a first line still being generated (`input.raw` has no line break yet): true when the cleaner
 * has already decided that line, so more tokens cannot change what {@link cleanCompletionEdit} makes
 * of it and it can be shown without waiting for the line to end. That is the case once a special
 * token ended the text, or the line was cut for degenerate repetition or length; the whole
 * suggestion is then that one line. A raw text that holds a line break has a finished first line.
 */
export function firstLineSettled(input: CleanCompletionInput): boolean {
    if (/[\r\n]/.test(input.raw))
        return true;
    const { text, ended } = splitAtSpecialToken(input.raw);
    if (ended)
        return true;
    const line = dropBrokenEnds(text);
    const cut = findRunawayCut(line);
    if (cut === undefined)
        return false;
    // A special token that more text could still complete, starting before the cut was decided,
    // would end or shift the text.
    for (let i = Math.max(0, line.length - maxSpecialTokenChars); i < line.length; i++)
        if (line[i] === "<" && i < cut.decidedAt && couldStartSpecialToken(line.slice(i)))
            return false;
    return true;
}

/**
 * Characters of the cursor line, on each side of the cursor, that the rules look at. Only text near
 * the cursor decides them, and the bound keeps a 5 MB minified line as cheap as a short one.
 */
const LINE_CONTEXT_CHARS = 1000;
/** The ` * text` lines of a block comment, and its closing line. */
const COMMENT_CONTINUATION = /^[ \t]+\*(?:\s|\/|$)/;
/** Lines around the cursor line that bracket matching looks at. */
const CONTEXT_LINES = 20;

function clean(input: CleanCompletionInput): { edit: CompletionEdit; insertOnly: string } {
    const tabSize = input.tabSize !== undefined && input.tabSize > 0 ? input.tabSize : 4;
    let lines = dropBrokenEnds(splitAtSpecialToken(input.raw).text).split(/\r\n|\r|\n/);
    lines = cutRunawayLine(lines);

    if (/\S/.test(input.lineSuffix)) {
        // Mid-line: anything past this line would push the rest of the line down.
        const syntax = syntaxFor(input.languageId);
        const previousLines = nearLines(input.previousLines ?? [], "end");
        const edit = fitToLineSuffix(lines[0], {
            linePrefix: input.linePrefix.slice(-LINE_CONTEXT_CHARS),
            lineSuffix: input.lineSuffix.slice(0, LINE_CONTEXT_CHARS),
            previousLines,
            nextLines: nearLines(input.nextLines, "start"),
            syntax,
            above: openAfter(previousLines, syntax)
        });
        if (!/\S/.test(edit.text))
            return { edit: { text: "", overwriteChars: 0 }, insertOnly: "" };
        return { edit: { text: edit.text, overwriteChars: edit.overwriteChars }, insertOnly: /\S/.test(edit.insertOnly) ? edit.insertOnly : "" };
    }

    if (input.indentUnit !== undefined) {
        const unit = input.indentUnit;
        // Block comments' ` * text` lines are aligned with spaces in some tab-indented files: where
        // those next to the cursor are, the model's are left alone.
        const near = [...(input.previousLines ?? []).slice(-CONTEXT_LINES), ...input.nextLines.slice(0, CONTEXT_LINES)];
        const commentsKeepStyle = near.some((line) => COMMENT_CONTINUATION.test(line) && !/^[ \t]*/.exec(line)![0].includes(unit[0]));
        lines = lines.map((line, index) => (index === 0 || (commentsKeepStyle && COMMENT_CONTINUATION.test(line)) ? line : convertIndent(line, unit, tabSize)));
    }
    const maxLines = input.maxLines >= 1 ? Math.floor(input.maxLines) : 1;
    lines = limitLines(lines, {
        linePrefix: input.linePrefix,
        previousLines: input.previousLines ?? [],
        nextLines: input.nextLines,
        tabSize,
        compareCursorLine: input.linePrefix.length <= LINE_CONTEXT_CHARS
    }).slice(0, maxLines);
    lines = lines.map((line) => line.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === "")
        lines.pop();
    const result = lines.join(input.eol);
    const text = /\S/.test(result) ? result : "";
    return { edit: { text, overwriteChars: 0 }, insertOnly: text };
}

/** Ends the completion at its first line that runs away (see findRunawayCut), cut there. */
function cutRunawayLine(lines: string[]): string[] {
    for (let i = 0; i < lines.length; i++) {
        const cut = findRunawayCut(lines[i]);
        if (cut !== undefined)
            return [...lines.slice(0, i), lines[i].slice(0, cut.end).trimEnd()];
    }
    return lines;
}

/** Up to CONTEXT_LINES lines next to the cursor line, stopping at a minified one. */
function nearLines(lines: readonly string[], side: "start" | "end"): string[] {
    const near = side === "start" ? lines.slice(0, CONTEXT_LINES) : lines.slice(-CONTEXT_LINES);
    if (side === "start") {
        const long = near.findIndex((line) => line.length > LINE_CONTEXT_CHARS);
        return long < 0 ? near : near.slice(0, long);
    }
    const long = near.findLastIndex((line) => line.length > LINE_CONTEXT_CHARS);
    return near.slice(long + 1);
}

/** Re-indents one line with the document's unit: a tab is one level, `tabSize` spaces are one tab. */
function convertIndent(line: string, unit: string, tabSize: number): string {
    const indent = /^[ \t]*/.exec(line)![0];
    const rest = line.slice(indent.length);
    if (unit === "\t" && indent.includes(" ")) {
        const width = indentWidth(indent, tabSize);
        return "\t".repeat(Math.floor(width / tabSize)) + " ".repeat(width % tabSize) + rest;
    }
    if (/^ +$/.test(unit) && indent.includes("\t"))
        return indent.replace(/\t/g, unit) + rest;
    return line;
}
