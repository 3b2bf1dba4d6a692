/**
 * Where a multi-line completion stops being useful: before a line the document already has next, at
 * the end of the cursor's block (by indentation, like Tabby's `limitScopeByIndentation`, keeping
 * the block's closing line when the document does not have one), and at a line repeated three times
 * in a row (keeping one copy).
 */

export interface BlockContext {
    /** The cursor line left of the cursor. */
    readonly linePrefix: string;
    /** The last few lines before the cursor line. */
    readonly previousLines: readonly string[];
    /** The first few lines after the cursor line. */
    readonly nextLines: readonly string[];
    readonly tabSize: number;
    /** False for a cursor line too long to compare (minified code): it neither equals a next line nor repeats. */
    readonly compareCursorLine: boolean;
}

interface DocumentLine {
    readonly trimmed: string;
    readonly indent: number;
}

export function indentWidth(line: string, tabSize: number): number {
    let width = 0;
    for (const char of line)
        if (char === " ")
            width++;
        else if (char === "\t")
            width += tabSize - (width % tabSize);
        else
            break;
    return width;
}

/** `} else {`, `else:`, `elif x:`, `} catch (e) {`, `case 2:`: the construct goes on at this level. */
export function continuesConstruct(trimmed: string): boolean {
    return (
        (/^[\])}]/.test(trimmed) && /[{([:]$/.test(trimmed)) ||
        /^(?:else|elif|elsif|except|finally|catch|rescue|ensure|case|when)\b/.test(trimmed) ||
        /^default\s*:/.test(trimmed)
    );
}

/** `}`, `});`, `]`, `</div>`, `end`: closes a block. */
export function closesBlock(trimmed: string): boolean {
    return /^(?:[\])}]|<\/)/.test(trimmed) || /^(?:end|fi|done|esac|endif|endfor|endwhile|endfunction|until)\b/.test(trimmed);
}

const BRACKET_ONLY = /^[\])}>;,\s]+$/;

/**
 * Whether a completion line is the document line, ignoring surrounding whitespace. A line of closing
 * brackets must also match in indentation: `  }` closing the completion's own function is not the
 * `}` of the enclosing class.
 */
function sameLine(line: string, documentLine: DocumentLine | undefined, tabSize: number): boolean {
    if (documentLine === undefined)
        return false;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed !== documentLine.trimmed)
        return false;
    return !BRACKET_ONLY.test(trimmed) || indentWidth(line, tabSize) === documentLine.indent;
}

/**
 * A closing line the completion may keep: the document has no closing line of its own there. Not
 * when the document's next line is deeper (it is still inside the block the line would close), nor
 * when it is a closing line at the same level (`}` or `} else {` the document already has).
 */
function closingAllowed(indent: number, next: DocumentLine | undefined): boolean {
    if (next === undefined)
        return true;
    if (next.indent > indent)
        return false;
    return !(next.indent === indent && /^[\])}]/.test(next.trimmed));
}

/** Lines compared to decide that a completion re-types the document: the echoed line and up to two after it. */
const ECHO_CONFIRM_LINES = 3;

/**
 * Whether the completion, from its line `start` on, re-types the document's next lines. Code does
 * repeat lines (`void 0,` among a call's arguments, `break;`, `#` in a comment block), so one equal
 * line is not enough: the completion's following non-blank lines (up to two) must equal the
 * document's too, as far as the completion goes; a line equal to the one right above it repeats a
 * pattern rather than echoing. Lines of closing brackets must match in indentation (see sameLine).
 */
function echoesDocument(lines: readonly string[], start: number, above: string | undefined, document: readonly DocumentLine[], tabSize: number): boolean {
    if (!sameLine(lines[start], document[0], tabSize))
        return false;
    const trimmed = lines[start].trim();
    if (!BRACKET_ONLY.test(trimmed) && above !== undefined && above.trim() === trimmed)
        return false;
    let compared = 1;
    for (let i = start + 1; i < lines.length && compared < ECHO_CONFIRM_LINES; i++) {
        if (lines[i].trim() === "")
            continue;
        // Past the lines the caller gave, the completion cannot be told from the document.
        if (compared >= document.length)
            return true;
        if (!sameLine(lines[i], document[compared], tabSize))
            return false;
        compared++;
    }
    return true;
}

export function limitLines(lines: readonly string[], context: BlockContext): string[] {
    const { tabSize } = context;
    const document: DocumentLine[] = context.nextLines.filter((line) => /\S/.test(line)).slice(0, ECHO_CONFIRM_LINES)
        .map((line) => ({ trimmed: line.trim(), indent: indentWidth(line, tabSize) }));
    const next = document[0];
    const firstLine = context.compareCursorLine ? context.linePrefix + lines[0] : lines[0];
    const lineAbove = [...context.previousLines].reverse().find((line) => /\S/.test(line));
    const compared = [firstLine, ...lines.slice(1)];
    if (context.compareCursorLine && /\S/.test(lines[0]) && echoesDocument(compared, 0, lineAbove, document, tabSize))
        return [];
    // A completion that closes the cursor's block (`}`, `});`) is done.
    if (/\S/.test(lines[0]) && closesBlock(firstLine.trim()) && !continuesConstruct(firstLine.trim()))
        return [lines[0]];
    // The block the cursor is in starts at the cursor line's indentation; on a blank line the
    // cursor's column (or the completion's first indentation) is that line's indentation.
    const cursorLine = /\S/.test(context.linePrefix) || !/\S/.test(firstLine) ? context.linePrefix : firstLine;
    const blockIndent = indentWidth(cursorLine, tabSize);

    const kept = [lines[0]];
    let nested = false;
    let above = /\S/.test(firstLine) ? firstLine : lineAbove;
    // A line at the cursor's level that opens a brace block (`} else {`, `): void {`): what follows
    // must be deeper, or close it. (Not `:` or `(`: Python's continuation lines and prose end in those.)
    const opensBraceBlock = (line: string): boolean => /\{$/.test(line.trim()) && !/^(?:\/\/|#|\*)/.test(line.trim()) && indentWidth(line, tabSize) <= blockIndent;
    let opener = /\S/.test(firstLine) && opensBraceBlock(firstLine) ? indentWidth(firstLine, tabSize) : undefined;
    let repeated = context.compareCursorLine ? firstLine.trim() : "";
    let runStart = 0;
    let runLength = repeated === "" ? 0 : 1;
    for (let i = 1; i < lines.length; i++) {
        const line = lines[i];
        const trimmed = line.trim();
        if (trimmed === "") {
            kept.push(line);
            continue;
        }
        if (echoesDocument(compared, i, above, document, tabSize))
            break;
        above = line;
        const indent = indentWidth(line, tabSize);
        if (opener !== undefined && indent <= opener && !closesBlock(trimmed))
            break;
        opener = opensBraceBlock(line) ? indent : undefined;
        if (indent < blockIndent || (indent === blockIndent && nested))
            // Out of the cursor's block, or back at its level after a block the completion opened.
            if (continuesConstruct(trimmed))
                nested = false;
            else {
                if (closesBlock(trimmed) && closingAllowed(indent, next))
                    kept.push(line);
                break;
            }
        else if (indent > blockIndent)
            nested = true;
        if (trimmed === repeated) {
            runLength++;
            if (runLength >= 3) {
                kept.length = runStart + 1;
                break;
            }
        } else {
            repeated = trimmed;
            runStart = kept.length;
            runLength = 1;
        }
        kept.push(line);
    }
    return kept;
}
