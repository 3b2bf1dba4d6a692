import { type SeededRandom } from "../engine/SeededRandom";
import { splitsCharacter } from "../completion/textBoundaries";
import type { CaseKind, CaseLanguage, FimCase } from "./FimCase";

/** A source file to cut cases from. */
export interface SourceFile {
    readonly language: CaseLanguage;
    /** Package, version and path, recorded in each case. */
    readonly source: string;
    readonly text: string;
}

export const previousLineCount = 12;
export const nextLineCount = 8;
/** Most lines after the cursor line that a middle spans (the extension's default maxLines is 8). */
const maxExtraLines = 7;
/** Files with a longer line are generated or minified, not code a person types. */
const maxLineLength = 300;

/** The file's indentation unit: a tab, or the most common step between space indentations. */
export function detectIndentUnit(lines: readonly string[]): string {
    let tabs = 0;
    let spaces = 0;
    const steps = new Map<number, number>();
    let previous = 0;
    for (const line of lines) {
        if (line.trim() === "")
            continue;
        if (line.startsWith("\t"))
            tabs++;
        else if (line.startsWith(" ") && !/^ +\*/.test(line))
            spaces++;
        const width = /^ */.exec(line)![0].length;
        if (!line.startsWith("\t") && width > previous)
            steps.set(width - previous, (steps.get(width - previous) ?? 0) + 1);
        previous = line.startsWith("\t") ? previous : width;
    }
    if (tabs > spaces)
        return "\t";
    return (steps.get(2) ?? 0) > (steps.get(4) ?? 0) ? "  " : "    ";
}

function indentWidth(line: string): number {
    let width = 0;
    for (const char of line)
        if (char === " ")
            width++;
        else if (char === "\t")
            width += 4 - (width % 4);
        else
            break;
    return width;
}

/**
 * The definition of a "completion" the harness holds the cleaner to: a middle ends where a
 * completion of one block ends. After the cursor line it takes lines while they stay in the cursor's
 * block; a line that goes back out of it ends the middle, and is part of it when it is a closing line
 * (`}`, `);`, `]`). `} else {`, `elif x:`, `except E:`, `case 2:` continue the construct, so the middle
 * goes on past them. Back at the cursor line's level after a nested block, only such a line or a
 * closing line may follow.
 */
export function middleEnd(lines: readonly string[], cursorLine: number, extraLines: number): number {
    const block = indentWidth(lines[cursorLine]);
    let nested = false;
    let end = cursorLine;
    const last = Math.min(lines.length - 1, cursorLine + extraLines);
    for (let i = cursorLine + 1; i <= last; i++) {
        const trimmed = lines[i].trim();
        if (trimmed === "")
            continue;
        const indent = indentWidth(lines[i]);
        if (indent > block) {
            nested = true;
            end = i;
            continue;
        }
        if (indent < block || nested) {
            if (continuesConstruct(trimmed)) {
                nested = false;
                end = i;
                continue;
            }
            if (/^[)\]}]/.test(trimmed))
                end = i;
            break;
        }
        end = i;
    }
    return end;
}

function continuesConstruct(trimmed: string): boolean {
    return (/^[)\]}]/.test(trimmed) && /[{([:]$/.test(trimmed)) ||
        /^(?:else\b|elif\b|except\b|finally\b|catch\b|case\b|default\s*:)/.test(trimmed);
}

const OPENERS: Record<string, string> = { "(": ")", "[": "]", "{": "}", '"': '"', "'": "'", "`": "`" };

/** Index of the partner of the opener at `open` on `line`, or -1. */
function partnerOf(line: string, open: number): number {
    const opener = line[open];
    const closer = OPENERS[opener];
    if (opener === closer) {
        for (let i = open + 1; i < line.length; i++)
            if (line[i] === "\\")
                i++;
            else if (line[i] === closer)
                return i;
        return -1;
    }
    let depth = 0;
    let quote: string | undefined;
    for (let i = open; i < line.length; i++) {
        const char = line[i];
        if (quote !== undefined) {
            if (char === "\\")
                i++;
            else if (char === quote)
                quote = undefined;
        } else if (char === '"' || char === "'" || char === "`")
            quote = char;
        else if (char === opener)
            depth++;
        else if (char === closer && --depth === 0)
            return i;
    }
    return -1;
}

/** For each line: true when it starts inside a block comment (C-like) or a docstring (Python). */
function commentLines(lines: readonly string[], language: CaseLanguage): boolean[] {
    const open = language === "python" ? /"""|'''/g : /\/\*|\*\//g;
    const result: boolean[] = [];
    let inside = false;
    let closer = "";
    for (const line of lines) {
        result.push(inside);
        for (const match of line.matchAll(open))
            if (!inside && (language === "python" || match[0] === "/*")) {
                inside = true;
                closer = language === "python" ? match[0] : "*/";
            } else if (inside && match[0] === closer)
                inside = false;
    }
    return result;
}

/** For each index of a line: true when it is code, not inside a string or a line comment. */
function codePositions(line: string, language: CaseLanguage): boolean[] {
    const code = new Array<boolean>(line.length).fill(false);
    const comment = language === "python" ? "#" : "//";
    let quote: string | undefined;
    for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (quote !== undefined) {
            if (char === "\\")
                i++;
            else if (char === quote)
                quote = undefined;
            continue;
        }
        if (line.startsWith(comment, i) || (language !== "python" && (line.startsWith("/*", i) || /^\s*\*/.test(line))))
            break;
        code[i] = true;
        if (char === '"' || char === "'" || char === "`")
            quote = char;
    }
    return code;
}

interface Candidate {
    readonly kind: CaseKind;
    readonly build: () => Omit<FimCase, "id" | "language" | "source" | "indentUnit"> | undefined;
}

/**
 * Cuts up to `count` cases from one file, at distinct cursor lines chosen by `random`. Deterministic
 * for a given file text and seed.
 */
export function cutFimCases(file: SourceFile, count: number, random: SeededRandom, idPrefix: string): FimCase[] {
    const lines = file.text.replace(/\r\n?/g, "\n").split("\n");
    if (lines.some((line) => line.length > maxLineLength))
        return [];
    const indentUnit = detectIndentUnit(lines);
    const pick = (n: number): number => Math.floor(random.next() * n);
    const context = (cursorLine: number, lastLine: number) => ({
        previousLines: lines.slice(Math.max(0, cursorLine - previousLineCount), cursorLine),
        nextLines: lines.slice(lastLine + 1, lastLine + 1 + nextLineCount),
        line: cursorLine + 1
    });
    const safe = (text: string, index: number): boolean => !splitsCharacter(text, index);

    const candidatesAt = (index: number): Candidate[] => {
        const text = lines[index];
        const start = /^[ \t]*/.exec(text)![0].length;
        const lastCode = text.trimEnd().length;
        if (lastCode <= start)
            return [];
        const result: Candidate[] = [];
        const extra = (): number => (random.next() < 0.5 ? 0 : 1 + pick(maxExtraLines));
        result.push({
            kind: "endOfLine",
            build: () => {
                // Cursor inside the line, at its indentation, or at its end (the middle then starts with a line break).
                const where = random.next();
                const column = where < 0.25 ? start : where < 0.5 ? text.length : start + 1 + pick(lastCode - start - 1);
                if (!safe(text, column))
                    return undefined;
                // Writing a block's closing line (`}`, `});`) finishes a completion.
                const closes = column < lastCode && /^[)\]}]/.test(text.trim()) && !continuesConstruct(text.trim());
                const end = closes ? index : middleEnd(lines, index, column >= lastCode ? 1 + pick(maxExtraLines) : extra());
                if (column >= lastCode && end === index)
                    return undefined;
                const middle = [text.slice(column), ...lines.slice(index + 1, end + 1)].join("\n").trimEnd();
                if (middle.trim() === "")
                    return undefined;
                return { kind: "endOfLine", linePrefix: text.slice(0, column), middle, lineSuffix: "", ...context(index, end) };
            }
        });
        if (lastCode - start >= 2)
            result.push({
                kind: "midLine",
                build: () => {
                    // The cursor anywhere (the user may be mid-word); the text right of the middle starts
                    // where a token starts, as the code the user left there does.
                    const from = start + pick(lastCode - start - 1);
                    const tokenStarts: number[] = [];
                    // A run of one punctuation character (`&&`, `"""`, `----`) is one token.
                    for (let i = from + 1; i < lastCode; i++)
                        if (/\S/.test(text[i]) && (/\s/.test(text[i - 1]) || !/\w/.test(text[i]) || !/\w/.test(text[i - 1])) &&
                            !(text[i] === text[i - 1] && !/\w/.test(text[i])))
                            tokenStarts.push(i);
                    if (tokenStarts.length === 0)
                        return undefined;
                    const to = tokenStarts[pick(tokenStarts.length)];
                    // A suggestion of only whitespace shows nothing.
                    if (text.slice(from, to).trim() === "")
                        return undefined;
                    if (!safe(text, from) || !safe(text, to))
                        return undefined;
                    return { kind: "midLine", linePrefix: text.slice(0, from), middle: text.slice(from, to), lineSuffix: text.slice(to).trimEnd(), ...context(index, index) };
                }
            });
        const openers: number[] = [];
        const code = codePositions(text, file.language);
        for (let i = start; i < lastCode - 1; i++) {
            const char = text[i];
            // Editors auto-close in code only, and a quote only where it starts a string (not `don't`).
            if (!(char in OPENERS) || !code[i])
                continue;
            if ((char === "'" || char === '"' || char === "`") && i > 0 && /[\w'"`]/.test(text[i - 1]))
                continue;
            if (partnerOf(text, i) > i + 1)
                openers.push(i);
        }
        if (openers.length > 0 && !inComment[index])
            result.push({
                kind: "autoClosed",
                build: () => {
                    const open = openers[pick(openers.length)];
                    const partner = partnerOf(text, open);
                    let autoClosed = text[partner];
                    // `foo("` closes both: `")`.
                    if (open > 0 && text[open - 1] in OPENERS && partnerOf(text, open - 1) === partner + 1)
                        autoClosed += text[partner + 1];
                    const middle = text.slice(open + 1).trimEnd();
                    // Only a space before the closers the editor typed already: nothing to show.
                    if (middle.endsWith(autoClosed) && middle.slice(0, middle.length - autoClosed.length).trim() === "")
                        return undefined;
                    return {
                        kind: "autoClosed", linePrefix: text.slice(0, open + 1), middle, lineSuffix: "",
                        autoClosed, ...context(index, index)
                    };
                }
            });
        return result;
    };

    const inComment = commentLines(lines, file.language);
    const cases: FimCase[] = [];
    const used = new Set<number>();
    for (let attempt = 0; attempt < count * 20 && cases.length < count; attempt++) {
        const index = pick(lines.length);
        if (used.has(index))
            continue;
        const candidates = candidatesAt(index);
        if (candidates.length === 0)
            continue;
        // Roughly: 40 % end of line, 35 % mid-line, 25 % after an auto-closed bracket or quote.
        const roll = random.next();
        const wanted: CaseKind = roll < 0.4 ? "endOfLine" : roll < 0.75 ? "midLine" : "autoClosed";
        const candidate = candidates.find((c) => c.kind === wanted) ?? candidates[0];
        const built = candidate.build();
        if (built === undefined)
            continue;
        used.add(index);
        cases.push({
            id: `${idPrefix}-${String(cases.length + 1).padStart(2, "0")}`,
            language: file.language,
            source: file.source,
            indentUnit,
            ...built
        });
    }
    return cases;
}
