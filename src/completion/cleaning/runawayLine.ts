import { safeEnd } from "../textBoundaries";

/**
 * Most characters a completion adds to one line. Longer lines are almost always a model that lost
 * its way (a list of numbers, a sentence that never ends); the harness's real code has none.
 */
export const maxCompletionLineChars = 240;

/** Longest piece that repeats; covers words (`the `), calls (`foo().`) and short phrases. */
const maxUnitChars = 24;
/** A run counts as degenerate with at least this many copies, and this many characters. */
const minCopies = 4;
const minRunChars = 32;
/** A run this short (`ee`, `a,a,`) is ordinary text, not the start of a runaway repetition. */
const minProvisionalRunChars = 6;

export interface LineCut {
    /** Where the line is cut (the text keeps [0, end)). */
    readonly end: number;
    /**
     * How much of the line decided the cut: more text after this index cannot change it. A
     * streaming caller that has this much of the line can show the cut line at once.
     */
    readonly decidedAt: number;
    readonly reason: "repetition" | "length";
}

/**
 * Finds where a completion's line runs away: degenerate repetition of a piece with a letter in it
 * (`the the the …`, `foo.foo.foo…`), cut after its first copy, or more than
 * {@link maxCompletionLineChars} characters, cut at the last space before the cap when there is one
 * near it. Returns undefined for a line that needs no cut.
 *
 * The cut depends only on the line up to `decidedAt`: the scan stops at the first position where a
 * run qualifies, so a line cut now is cut the same way whatever a model writes after it.
 * Runs of punctuation or digits (`// -----`, `0x00000000`, `[0, 0, 0, 0]`) are left to the length cap.
 */
export function findRunawayCut(line: string): LineCut | undefined {
    const limit = Math.min(line.length, maxCompletionLineChars + 1);
    // periodic[u]: length of the run ending here in which each character equals the one u before it.
    const periodic = new Array<number>(maxUnitChars + 1).fill(0);
    for (let end = 1; end <= limit; end++) {
        const i = end - 1;
        for (let unit = 1; unit <= maxUnitChars && unit <= i; unit++) {
            periodic[unit] = line.charCodeAt(i) === line.charCodeAt(i - unit) ? periodic[unit] + 1 : 0;
            const runChars = periodic[unit] + unit;
            if (runChars < minRunChars || runChars < minCopies * unit)
                continue;
            // The run has at least four copies, so the cut is decided by the text up to `end`.
            const cut = cutAfterFirstCopy(line, end - runChars, unit);
            if (cut !== undefined)
                return { end: cut, decidedAt: end, reason: "repetition" };
        }
    }
    if (line.length <= maxCompletionLineChars)
        return undefined;
    let end = safeEnd(line, maxCompletionLineChars, 0);
    const space = line.lastIndexOf(" ", end);
    if (space > maxCompletionLineChars - 40)
        end = space;
    return { end, decidedAt: maxCompletionLineChars + 1, reason: "length" };
}

/**
 * For a line still being written: where {@link findRunawayCut} would cut it if the repetition it
 * ends with went on — after the first copy of any piece (with a letter in it) that the line already
 * ends with twice. A partial line shown before it is complete stops there, so the user never sees
 * (or accepts) copies that the finished line loses. Undefined when the line ends with no such run.
 * A long piece seen once and partly again (`a + b; a + `) is not caught until its second copy; the
 * pipeline re-offers a finished line that cleaning cut shorter than the partial shown.
 */
export function provisionalRunawayEnd(line: string): number | undefined {
    const text = line.slice(0, maxCompletionLineChars + 1);
    let best: number | undefined;
    for (let unit = 1; unit <= maxUnitChars && 2 * unit <= text.length; unit++) {
        let run = unit;
        while (run < text.length && text.charCodeAt(text.length - 1 - run) === text.charCodeAt(text.length - 1 - run + unit))
            run++;
        if (run < 2 * unit || run < minProvisionalRunChars)
            continue;
        const end = cutAfterFirstCopy(text, text.length - run, unit);
        if (end !== undefined)
            best = best == null ? end : Math.min(best, end);
    }
    return best;
}

/**
 * Where a run of copies of a `unit`-character piece starting at `start` is cut: after one copy,
 * counted from where a word starts in the run (`range` of `the range range`, whose run starts at the
 * `e` of `the`), so the cut does not end mid-word. Undefined for a piece that is not a degenerate
 * repetition (no letter in it, or itself a repeat of a shorter piece, found at that period instead).
 */
function cutAfterFirstCopy(line: string, start: number, unit: number): number | undefined {
    const piece = line.slice(start, start + unit);
    if (!/\p{L}/u.test(piece) || isRepeatOfShorterUnit(piece))
        return undefined;
    let cut = start + unit;
    for (let at = start; at < start + 2 * unit; at++)
        if (/\w/.test(line[at]) && (at === 0 || !/\w/.test(line[at - 1]))) {
            cut = at + unit;
            break;
        }
    return safeEnd(line, cut, 0);
}

/** `abab` is `ab` twice: count it under the shorter unit so each run is found once, at its true period. */
function isRepeatOfShorterUnit(piece: string): boolean {
    for (let unit = 1; unit <= piece.length / 2; unit++)
        if (piece.length % unit === 0 && piece.slice(0, unit).repeat(piece.length / unit) === piece)
            return true;
    return false;
}
