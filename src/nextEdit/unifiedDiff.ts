import { changedLines, splitLines, type RecentEdit } from "./nextEditPrompt";

/** One hunk of a unified diff: the old and new sides of its lines (context included). */
export interface DiffHunk {
    readonly path: string;
    /** 1-based first line of the hunk in the new file (0 for an empty side). */
    readonly newStart: number;
    readonly oldLines: readonly string[];
    readonly newLines: readonly string[];
}

/**
 * Parses a unified diff (`git diff`, `diff -u`) into hunks, in the order given. Throws an Error with
 * a one-line message naming the line on anything it cannot read.
 */
export function parseUnifiedDiff(text: string): DiffHunk[] {
    const hunks: DiffHunk[] = [];
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "")
        lines.pop();
    let path: string | undefined;
    let current: { path: string; newStart: number; oldLines: string[]; newLines: string[]; oldLeft: number; newLeft: number } | undefined;
    for (const [index, raw] of lines.entries()) {
        const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        if (current != null && (current.oldLeft > 0 || current.newLeft > 0)) {
            const kind = line[0];
            const body = line.slice(1);
            if (kind === " " || (line === "" && current.oldLeft > 0 && current.newLeft > 0)) {
                current.oldLines.push(body);
                current.newLines.push(body);
                current.oldLeft--;
                current.newLeft--;
            } else if (kind === "-" && current.oldLeft > 0) {
                current.oldLines.push(body);
                current.oldLeft--;
            } else if (kind === "+" && current.newLeft > 0) {
                current.newLines.push(body);
                current.newLeft--;
            } else if (kind !== "\\")
                throw new Error(`line ${index + 1} of the diff does not fit its hunk's line counts.`);
            continue;
        }
        if (line.startsWith("\\"))
            continue;
        if (line.startsWith("+++ ")) {
            path = diffPath(line.slice(4));
            continue;
        }
        const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
        if (header != null) {
            if (path == null)
                throw new Error(`line ${index + 1} of the diff starts a hunk before any "+++ file" header.`);
            current = { path, newStart: Number(header[3]), oldLines: [], newLines: [], oldLeft: Number(header[2] ?? 1), newLeft: Number(header[4] ?? 1) };
            hunks.push(current);
        }
    }
    if (current != null && (current.oldLeft > 0 || current.newLeft > 0))
        throw new Error("the diff ends inside a hunk.");
    return hunks.map(({ path: file, newStart, oldLines, newLines }) => ({ path: file, newStart, oldLines, newLines }));
}

/** A hunk as a recent edit: its changed lines, without the context around them. */
export function recentEditOfHunk(hunk: DiffHunk, path = hunk.path): RecentEdit {
    const span = changedLines(hunk.oldLines, hunk.newLines);
    return { path, before: hunk.oldLines.slice(span.first, span.endBefore), after: hunk.newLines.slice(span.first, span.endAfter) };
}

/**
 * The document before `hunk` was applied to it: the hunk's new lines, found where it says, put back
 * to its old lines. Throws an Error when the document does not hold them there.
 */
export function revertHunk(text: string, hunk: DiffHunk): string {
    const lines = splitLines(text);
    const start = hunk.newLines.length === 0 ? hunk.newStart : hunk.newStart - 1;
    const found = lines.slice(start, start + hunk.newLines.length);
    if (start < 0 || found.length !== hunk.newLines.length || found.some((line, i) => line.replace(/\r$/, "") !== hunk.newLines[i]))
        throw new Error(`the file does not hold the diff's last hunk at line ${hunk.newStart}.`);
    return [...lines.slice(0, start), ...hunk.oldLines, ...lines.slice(start + hunk.newLines.length)].join("\n");
}

function diffPath(raw: string): string {
    const name = raw.split("\t")[0].trim();
    return name.startsWith("a/") || name.startsWith("b/") ? name.slice(2) : name;
}
