import { categories, type Category, type Trial, type TrialInput } from "./simulateOutputs";

/** A cleaner under test: text to insert at the cursor and how many characters right of it it replaces. */
export type Cleaner = (input: TrialInput) => { readonly text: string; readonly overwriteChars: number };

/**
 * - correct: the document comes out as it should (trailing whitespace on a line does not count).
 * - cutShort: a strict prefix of the right document: the user gets part of the right text.
 * - dropped: nothing shown although there was something right to show.
 * - wrong: anything else (altered text, kept garbage, doubled closers).
 */
export type Outcome = "correct" | "cutShort" | "dropped" | "wrong";

export interface TrialResult {
    readonly trial: Trial;
    readonly text: string;
    readonly overwriteChars: number;
    readonly outcome: Outcome;
    /** The cursor line (and any lines the completion adds) as the user would get them. */
    readonly got: string;
    readonly expected: string;
    readonly echoSurvived: boolean;
    readonly leakedToken: boolean;
    readonly doubledCloser: boolean;
}

const SPECIAL_TOKEN = /<\|[A-Za-z0-9_]{1,40}\|>|<｜[^｜\n]{1,40}｜>|<fim[_-](?:prefix|suffix|middle|pad)>|<file_sep>|<\/s>|<EOT>/;
const CLOSERS = [")", "]", "}", '"', "'", "`"];

function normalize(text: string, eol: string): string {
    return text.split(eol).map((line) => line.trimEnd()).join(eol);
}

function count(text: string, piece: string): number {
    if (piece === "")
        return 0;
    let n = 0;
    for (let at = text.indexOf(piece); at >= 0; at = text.indexOf(piece, at + piece.length))
        n++;
    return n;
}

export function runTrial(trial: Trial, cleaner: Cleaner): TrialResult {
    const { input } = trial;
    const { text, overwriteChars } = cleaner(input);
    const got = normalize(input.linePrefix + text + input.lineSuffix.slice(overwriteChars), input.eol);
    const expected = normalize(input.linePrefix + trial.expectedText + input.lineSuffix.slice(trial.expectedOverwrite), input.eol);
    const outcome: Outcome = got === expected ? "correct"
        : text === "" ? "dropped"
            : expected.startsWith(got) ? "cutShort" : "wrong";
    let echoSurvived = false;
    if (trial.echo !== undefined && outcome === "wrong") {
        const gotLines = got.split(input.eol).map((line) => line.trim());
        const expectedLines = expected.split(input.eol).map((line) => line.trim());
        echoSurvived = trial.echo.split("\n").some((line) => {
            const echoed = line.trim();
            return echoed !== "" && (gotLines.filter((l) => l === echoed).length > expectedLines.filter((l) => l === echoed).length ||
                count(got, echoed) > count(expected, echoed));
        });
    }
    const gotLine = got.split(input.eol)[0];
    const expectedLine = expected.split(input.eol)[0];
    const doubledCloser = outcome !== "correct" && /\S/.test(input.lineSuffix) &&
        CLOSERS.some((closer) => count(gotLine, closer) > count(expectedLine, closer));
    return { trial, text, overwriteChars, outcome, got, expected, echoSurvived, leakedToken: SPECIAL_TOKEN.test(text), doubledCloser };
}

export interface CategoryTotals {
    readonly category: Category;
    readonly tried: number;
    readonly correct: number;
    readonly cutShort: number;
    readonly dropped: number;
    readonly wrong: number;
    readonly echoSurvived: number;
    readonly leakedToken: number;
    readonly doubledCloser: number;
}

export function totalsByCategory(results: readonly TrialResult[]): CategoryTotals[] {
    return categories.map((category) => {
        const inCategory = results.filter((r) => r.trial.category === category);
        const n = (predicate: (r: TrialResult) => boolean): number => inCategory.filter(predicate).length;
        return {
            category,
            tried: inCategory.length,
            correct: n((r) => r.outcome === "correct"),
            cutShort: n((r) => r.outcome === "cutShort"),
            dropped: n((r) => r.outcome === "dropped"),
            wrong: n((r) => r.outcome === "wrong"),
            echoSurvived: n((r) => r.echoSurvived),
            leakedToken: n((r) => r.leakedToken),
            doubledCloser: n((r) => r.doubledCloser)
        };
    });
}

export function survivalRate(results: readonly TrialResult[], category: Category): { correct: number; tried: number; rate: number } {
    const inCategory = results.filter((r) => r.trial.category === category);
    const correct = inCategory.filter((r) => r.outcome === "correct").length;
    return { correct, tried: inCategory.length, rate: inCategory.length === 0 ? 0 : correct / inCategory.length };
}
