import * as fs from "node:fs";
import * as path from "node:path";

export type CaseLanguage = "typescript" | "javascript" | "python" | "c" | "go";

/**
 * Where the cursor was when the case was cut:
 * - `endOfLine`: nothing but whitespace right of the cursor; the middle is the rest of the cursor
 *   line and possibly more lines (cursor inside the line, at its indentation, or at its end).
 * - `midLine`: code right of the cursor; the middle is a piece of the cursor line.
 * - `autoClosed`: the cursor sits right after an opening bracket or quote the user just typed, so the
 *   editor has inserted its partner (`autoClosed`) right of the cursor; the middle is the rest of the
 *   line, which contains that partner.
 */
export type CaseKind = "endOfLine" | "midLine" | "autoClosed";

/** One fill-in-the-middle case cut from a real source file. Lines are LF-separated, untrimmed. */
export interface FimCase {
    readonly id: string;
    readonly language: CaseLanguage;
    /** Package, version and path of the file the case was cut from. */
    readonly source: string;
    /** 1-based line of the cursor in that file. */
    readonly line: number;
    /** The file's indentation unit: "\t" or some spaces. */
    readonly indentUnit: string;
    readonly kind: CaseKind;
    /** Up to 12 lines before the cursor line, in document order. */
    readonly previousLines: readonly string[];
    /** The cursor line left of the cursor. */
    readonly linePrefix: string;
    /** The text a perfect model writes at the cursor; may span lines. */
    readonly middle: string;
    /** What follows the middle on its last line (empty at the end of a line). */
    readonly lineSuffix: string;
    /** Characters the editor auto-inserted right of the cursor (`autoClosed` cases only). */
    readonly autoClosed?: string;
    /** Up to 8 lines after the middle's last line. */
    readonly nextLines: readonly string[];
}

export interface FimCaseFile {
    readonly description: string;
    readonly generatedBy: string;
    readonly cases: readonly FimCase[];
}

/** Path of the committed case sample, relative to the repository root. */
export const caseFilePath = "src/quality/fimCases.json";

/** The repository root: the nearest folder above `from` with a package.json named "specula". */
export function repositoryRoot(from: string = __dirname): string {
    let dir = path.resolve(from);
    for (;;) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "specula")
            return dir;
        const parent = path.dirname(dir);
        if (parent === dir)
            throw new Error(`no specula package.json above ${from}`);
        dir = parent;
    }
}

export function loadFimCases(root: string = repositoryRoot()): FimCaseFile {
    return JSON.parse(fs.readFileSync(path.join(root, caseFilePath), "utf8")) as FimCaseFile;
}
