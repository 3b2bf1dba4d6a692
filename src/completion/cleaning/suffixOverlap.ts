import { isHighSurrogate } from "../textBoundaries";
import { BracketScanner, spansLines, type CodeSyntax, type OpenFrame } from "./BracketScanner";
import { indentWidth } from "./blockScope";

/** Text to insert at the cursor, replacing `overwriteChars` characters right of it on the cursor line. */
export interface LineEdit {
    readonly text: string;
    readonly overwriteChars: number;
    /**
     * The same suggestion for a caller that can only insert: `text` cut before the completion's own
     * copy of the first replaced character, so nothing is doubled (what follows it is lost).
     */
    readonly insertOnly: string;
}

export interface MidLineContext {
    /** The cursor line left of the cursor. */
    readonly linePrefix: string;
    /** The cursor line right of the cursor; holds code. */
    readonly lineSuffix: string;
    /** The last few lines before the cursor line. */
    readonly previousLines: readonly string[];
    /** The first few lines after the cursor line. */
    readonly nextLines: readonly string[];
    readonly syntax: CodeSyntax;
    /** What `previousLines` leave open. */
    readonly above: readonly OpenFrame[];
}

/**
 * Fits a one-line completion to the code right of the cursor, in two steps.
 *
 * 1. Auto-closed characters. When the user typed `foo(`, the editor put `)` right of the cursor. A
 *    model that writes `a, b);` closes that `(` itself, so its text replaces the `)` (overwriteChars 1)
 *    instead of giving `foo(a, b);)`. Only closers of what the cursor line opened left of the cursor,
 *    at the very start of the suffix, are replaced, and only when the completion closes the same
 *    brackets or quotes and the line comes out no worse balanced (see autoClosedScore, then
 *    windowScore); on a tie the completion's own closers win.
 * 2. A re-typed start of the rest of the line. A completion ending in what follows the cursor (`x;`
 *    before `;`, `x > 0) {` before `) {`) loses that end when the code around comes out better
 *    balanced (windowScore: the `)` of `    b))` may close a call opened two lines up), or when it
 *    re-typed all of it.
 *
 * Comments, strings, regex literals and `"""` docstrings are skipped when counting (see BracketScanner).
 */
export function fitToLineSuffix(completion: string, context: MidLineContext): LineEdit {
    const { lineSuffix } = context;
    let text = /^\s/.test(lineSuffix) ? completion.trimEnd() : completion;
    const closed = closeAutoClosed(text, context);
    const overwriteChars = closed?.overwriteChars ?? 0;
    text = dropRetypedEnd(text, { ...context, lineSuffix: lineSuffix.slice(overwriteChars) });
    // Replacing closers the text itself ends with is just inserting less.
    if (overwriteChars > 0 && text.endsWith(lineSuffix.slice(0, overwriteChars))) {
        const inserted = text.slice(0, text.length - overwriteChars);
        return { text: inserted, overwriteChars: 0, insertOnly: inserted };
    }
    if (overwriteChars === 0)
        return { text, overwriteChars: 0, insertOnly: text };
    return { text, overwriteChars, insertOnly: text.slice(0, Math.min(text.length, closed!.innermostCloserAt)) };
}

/**
 * Step 1: how many auto-closed characters right of the cursor the completion stands for, or
 * undefined when it stands for none.
 */
function closeAutoClosed(completion: string, context: MidLineContext): { overwriteChars: number; innermostCloserAt: number } | undefined {
    const { linePrefix, lineSuffix, syntax } = context;
    // Inside a block comment nothing is auto-closed code: start the line there when the lines above
    // leave one open, or the line continues one (` * text`).
    const top = context.above[context.above.length - 1];
    const inComment = top?.kind === "blockComment" || (syntax.blockComment && /^\s*\*(?:\s|$)/.test(linePrefix));
    const scanner = new BracketScanner(syntax, inComment ? [{ kind: "blockComment", closer: "*/" }] : []).feed(linePrefix);
    const openInner = [...scanner.stack].reverse();
    // Ends, in the suffix, of the closers of the innermost open frames, in the order the suffix has them.
    const closerEnds: number[] = [];
    let at = 0;
    for (const frame of openInner) {
        if (frame.kind === "blockComment" || !lineSuffix.startsWith(frame.closer, at))
            break;
        at += frame.closer.length;
        closerEnds.push(at);
    }
    if (closerEnds.length === 0)
        return undefined;
    // Where in the completion each of those frames gets closed, innermost first.
    const closedAt: number[] = [];
    const depth = scanner.stack.length;
    scanner.feed(completion, (index, open) => {
        if (closedAt.length < closerEnds.length && open === depth - 1 - closedAt.length)
            closedAt.push(index);
    });
    if (closedAt.length === 0)
        return undefined;
    const initial: readonly OpenFrame[] = inComment ? [...context.above, { kind: "blockComment", closer: "*/" }] : context.above;
    const score = (rest: string): number[] => [autoClosedScore(completion, rest, context, initial), windowScore(linePrefix + completion + rest, context)];
    let best = 0;
    let bestScore = score(lineSuffix);
    for (let n = 1; n <= closedAt.length; n++) {
        // On a tie the completion's own closers win: the suffix's copies would only land in a
        // comment, or close what the line is meant to leave open (`foo({a}) {` + `}`).
        const candidate = score(lineSuffix.slice(closerEnds[n - 1]));
        if (compare(candidate, bestScore) <= 0) {
            best = n;
            bestScore = candidate;
        }
    }
    if (best === 0)
        return undefined;
    // The completion's closer of the innermost frame ends at closedAt[0]; a caller that can only
    // insert stops before it.
    let cut = closedAt[0] + 1 - openInner[0].closer.length;
    while (cut > 0 && isHighSurrogate(completion.charCodeAt(cut - 1)))
        cut--;
    return { overwriteChars: closerEnds[best - 1], innermostCloserAt: Math.max(0, cut) };
}

/**
 * How wrong the cursor line comes out when the completion is followed by `rest`: closers that close
 * nothing, plus what the completion or `rest` opens and leaves open. What the lines above and the line
 * left of the cursor opened may close here or stay open (a call's arguments go on below), and so may
 * a bracket the completion ends with (`) {`, `foo(`): the next lines continue it.
 */
function autoClosedScore(completion: string, rest: string, context: MidLineContext, initial: readonly OpenFrame[]): number {
    const scanner = new BracketScanner(context.syntax, initial).feed(context.linePrefix);
    const before = new Set(scanner.stack);
    const unmatched = scanner.unmatched;
    scanner.feed(completion);
    const top = scanner.stack[scanner.stack.length - 1];
    const endsOpen = top !== undefined && top.kind === "bracket" && !before.has(top) && /[({[]$/.test(completion.trimEnd()) ? top : undefined;
    scanner.feed(rest);
    return scanner.unmatched - unmatched + scanner.stack.filter((frame) => !before.has(frame) && frame !== endsOpen && !spansLines(frame)).length;
}

/**
 * How wrong the lines around the cursor come out with `line` as the cursor line: closers that close
 * nothing on this line or below, and brackets still open when a line below starts at or left of the
 * line that opened them (the statement has ended without closing them).
 */
function windowScore(line: string, context: MidLineContext): number {
    const scanner = new BracketScanner(context.syntax);
    const indentOf = new Map<OpenFrame, number>();
    const feedLine = (text: string): void => {
        // A line inside `(` or `[` continues the statement above: what it opens belongs to that
        // statement's indentation (`    if (a &&` / `      b) {` / `      body`).
        const inner = [...scanner.stack].reverse().find((frame) => frame.kind === "bracket");
        const indent = inner !== undefined && inner.closer !== "}" ? indentOf.get(inner) ?? 0 : indentWidth(text, 4);
        scanner.feed(text).feed("\n");
        for (const frame of scanner.stack)
            if (!indentOf.has(frame))
                indentOf.set(frame, indent);
    };
    for (const previous of context.previousLines)
        feedLine(previous);
    const unmatchedBefore = scanner.unmatched;
    feedLine(line);
    const overdue = new Set<OpenFrame>();
    // With no lines below, the document ends here: what the cursor line opened must close on it.
    const below = context.nextLines.some((next) => next.trim() !== "") ? context.nextLines : [line.slice(0, line.length - line.trimStart().length) + "\u0000"];
    for (const next of below) {
        if (next.trim() === "")
            continue;
        const lead = /^[ \t]*[)\]}]*/.exec(next)![0];
        scanner.feed(lead);
        const indent = indentWidth(next, 4);
        for (const frame of scanner.stack)
            if (frame.kind === "bracket" && (indentOf.get(frame) ?? 0) >= indent)
                overdue.add(frame);
        feedLine(next.slice(lead.length));
    }
    return scanner.unmatched - unmatchedBefore + overdue.size;
}

/**
 * Closers in `text` that close nothing, plus brackets and strings `text` opens and leaves open. What
 * the lines above and the line left of the cursor opened may close here or stay open.
 */
function openedAfterPrefix(text: string, context: MidLineContext): number {
    const scanner = new BracketScanner(context.syntax, context.above).feed(context.linePrefix);
    const before = new Set(scanner.stack);
    const unmatched = scanner.unmatched;
    scanner.feed(text);
    return scanner.unmatched - unmatched + scanner.stack.filter((frame) => !before.has(frame) && !spansLines(frame)).length;
}

/** Step 2: the completion without an end that re-types the start of the suffix, when that is better. */
function dropRetypedEnd(completion: string, context: MidLineContext): string {
    const { linePrefix, lineSuffix } = context;
    if (lineSuffix.trim() === "")
        return completion;
    // First the lines around: a closer that closes nothing below, or a bracket left open past the
    // end of its statement (`    b))` closing a call opened two lines up). Then this line: what
    // the completion and the suffix open and leave open (`} else if (if (x) {`).
    const score = (kept: string): number[] => [windowScore(linePrefix + kept + lineSuffix, context), openedAfterPrefix(kept + lineSuffix, context)];
    const whole = lineSuffix.trim();
    let best = completion;
    let bestScore = score(completion);
    const lengths = new Set<number>();
    for (const suffix of [lineSuffix, lineSuffix.trimStart()])
        for (let length = Math.min(suffix.length, completion.length); length > 0; length--)
            if (completion.endsWith(suffix.slice(0, length)))
                lengths.add(length);
    for (const length of [...lengths].sort((a, b) => a - b)) {
        let kept = completion.slice(0, completion.length - length);
        if (/^\s/.test(lineSuffix))
            kept = kept.trimEnd();
        if (kept.length > 0 && isHighSurrogate(kept.charCodeAt(kept.length - 1)))
            continue;
        const scores = score(kept);
        const order = compare(scores, bestScore);
        // Re-typing the whole rest of the line (`x;` before `;`) decides a tie, unless the completion
        // is nothing but one re-typed character: `/` before `/` may well be `//`.
        const removed = completion.slice(completion.length - length).trim();
        const retypesWhole = removed === whole && (kept.trim() !== "" || removed.length > 1);
        if (order < 0 || (order === 0 && retypesWhole)) {
            best = kept;
            bestScore = scores;
        }
    }
    return best;
}

function compare(a: readonly number[], b: readonly number[]): number {
    for (let i = 0; i < a.length; i++)
        if (a[i] !== b[i])
            return a[i] - b[i];
    return 0;
}
