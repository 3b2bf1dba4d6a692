import { isHighSurrogate, isLowSurrogate } from "./textBoundaries";

export interface CleanCompletionInput {
    /** The model's text, as the engine returned it. */
    readonly raw: string;
    /** Text of the cursor line before the cursor. */
    readonly linePrefix: string;
    /** Text of the cursor line after the cursor. */
    readonly lineSuffix: string;
    /** Lines after the cursor line; the first few non-empty ones are enough. */
    readonly nextLines: readonly string[];
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
 * Turns raw model output into the text worth showing as ghost text, or "" when nothing is.
 *
 * Each rule answers a complaint users have about peer extensions: leaked stop tokens, completions
 * that re-type the next line or what is right of the cursor, doubled brackets, completions that run
 * past the end of the block, degenerate repetition, and mixed indentation.
 */
export function cleanCompletion(input: CleanCompletionInput): string {
    const text = dropBrokenEnds(stripSpecialTokens(input.raw));
    const tabSize = input.tabSize !== undefined && input.tabSize > 0 ? input.tabSize : 4;
    let lines = text.split(/\r\n|\r|\n/);

    if (/\S/.test(input.lineSuffix)) {
        // Mid-line: anything past this line would push the rest of the line down.
        lines = [
            removeSuffixOverlap(
                lines[0].trimEnd(),
                input.linePrefix.slice(-LINE_CONTEXT_CHARS),
                input.lineSuffix.slice(0, LINE_CONTEXT_CHARS),
            ),
        ];
    } else {
        if (input.indentUnit !== undefined) {
            const unit = input.indentUnit;
            lines = lines.map((line, index) => (index === 0 ? line : convertIndent(line, unit, tabSize)));
        }
        const maxLines = input.maxLines >= 1 ? Math.floor(input.maxLines) : 1;
        lines = limitLines(lines, input, tabSize).slice(0, maxLines);
    }

    lines = lines.map((line) => line.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === "") {
        lines.pop();
    }
    const result = lines.join(input.eol);
    return /\S/.test(result) ? result : "";
}

/**
 * Characters of the cursor line, on each side of the cursor, that the rules look at. Only text near
 * the cursor decides them, and the bound keeps a 5 MB minified line as cheap as a short one.
 */
const LINE_CONTEXT_CHARS = 1000;

/**
 * Special tokens that leak when a model's tokenizer config marks them as plain text or the model
 * writes them as text. `<|…|>` covers Qwen, StarCoder 2, CodeGemma and ChatML; `<｜…｜>` (full-width
 * bars) DeepSeek Coder; the rest StarCoder, Llama and CodeLlama. `<s>` is left out: it is an HTML tag.
 */
const SPECIAL_TOKEN =
    /<\|[A-Za-z0-9_]{1,40}\|>|<｜[^｜\n]{1,40}｜>|<fim[_-](?:prefix|suffix|middle|pad)>|<file_sep>|<\/s>|<EOT>/;

/**
 * Removes leaked special tokens. Tokens at the very start are dropped (a model may echo
 * `<|fim_middle|>`); any later token marks where the model meant to stop, so the text ends there.
 */
export function stripSpecialTokens(raw: string): string {
    let text = raw;
    for (;;) {
        const match = SPECIAL_TOKEN.exec(text);
        if (match === null) {
            return text;
        }
        if (match.index !== 0) {
            return text.slice(0, match.index);
        }
        text = text.slice(match[0].length);
    }
}

/**
 * A generation cut at its token limit can end in half a character: a lone high surrogate or the
 * U+FFFD that an incomplete UTF-8 sequence decodes to. Neither is worth showing.
 */
function dropBrokenEnds(text: string): string {
    let start = 0;
    let end = text.length;
    if (end > 0 && isLowSurrogate(text.charCodeAt(0))) {
        start = 1;
    }
    while (end > start && (isHighSurrogate(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === 0xfffd)) {
        end--;
    }
    return text.slice(start, end);
}

/**
 * Removes a tail of the completion that the line already has right of the cursor: the model
 * re-typed `)` or `");` although they are there. Closing characters are only removed when that
 * makes the finished line better balanced, so `foo(|)` + `bar()` keeps its own `)`; re-typing the
 * whole rest of the line is removed even when it holds no brackets (`return |;` + `x;`).
 */
function removeSuffixOverlap(completion: string, linePrefix: string, lineSuffix: string): string {
    const candidates = new Set<number>();
    for (const suffix of [lineSuffix, lineSuffix.trimStart()]) {
        for (let length = Math.min(suffix.length, completion.length); length > 0; length--) {
            if (completion.endsWith(suffix.slice(0, length))) {
                candidates.add(length);
            }
        }
    }
    const wholeSuffix = lineSuffix.trim();
    let best = completion;
    let bestScore = imbalance(linePrefix + completion + lineSuffix);
    for (const length of [...candidates].sort((a, b) => a - b)) {
        const kept = completion.slice(0, completion.length - length).trimEnd();
        if (kept.length > 0 && isHighSurrogate(kept.charCodeAt(kept.length - 1))) {
            continue;
        }
        const score = imbalance(linePrefix + kept + lineSuffix);
        const removesWholeSuffix = completion.slice(completion.length - length).trim() === wholeSuffix;
        if (score < bestScore || (score === bestScore && removesWholeSuffix)) {
            best = kept;
            bestScore = score;
        }
    }
    return best;
}

const OPENERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const CLOSERS = new Set([")", "]", "}"]);

/** Unmatched brackets and unclosed quotes in one line; lower is better balanced. */
function imbalance(line: string): number {
    const expected: string[] = [];
    let unmatched = 0;
    let quote: string | undefined;
    for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (quote !== undefined) {
            if (char === "\\") {
                i++;
            } else if (char === quote) {
                quote = undefined;
            }
        } else if (char === '"' || char === "'" || char === "`") {
            quote = char;
        } else if (char in OPENERS) {
            expected.push(OPENERS[char]);
        } else if (CLOSERS.has(char)) {
            if (expected[expected.length - 1] === char) {
                expected.pop();
            } else {
                unmatched++;
            }
        }
    }
    return unmatched + expected.length + (quote === undefined ? 0 : 1);
}

/**
 * Cuts a multi-line completion where it stops being useful: before a line the document already has
 * next, at the end of the cursor's block (by indentation, like Tabby's `limitScopeByIndentation`),
 * and at a line repeated three times in a row (keeping one copy).
 */
function limitLines(lines: readonly string[], input: CleanCompletionInput, tabSize: number): string[] {
    const found = input.nextLines.find((line) => /\S/.test(line));
    const nextLine = found === undefined ? undefined : { trimmed: found.trim(), indent: indentWidth(found, tabSize) };
    // A cursor line longer than the bound is minified code: it neither equals a next line nor repeats.
    const shortLine = input.linePrefix.length <= LINE_CONTEXT_CHARS;
    const firstLine = shortLine ? input.linePrefix + lines[0] : lines[0];
    if (shortLine && nextLine !== undefined && /\S/.test(lines[0]) && sameLine(firstLine, nextLine, tabSize)) {
        return [];
    }
    // The block the cursor is in starts at the cursor line's indentation; on a blank line the
    // cursor's column (or the completion's first indentation) is that line's indentation.
    const cursorLine = /\S/.test(input.linePrefix) || !/\S/.test(firstLine) ? input.linePrefix : firstLine;
    const blockIndent = indentWidth(cursorLine, tabSize);

    const kept = [lines[0]];
    let nested = false;
    let repeated = shortLine ? firstLine.trim() : "";
    let runStart = 0;
    let runLength = repeated === "" ? 0 : 1;
    for (let i = 1; i < lines.length; i++) {
        const line = lines[i];
        const trimmed = line.trim();
        if (trimmed === "") {
            kept.push(line);
            continue;
        }
        if (nextLine !== undefined && sameLine(line, nextLine, tabSize)) {
            break;
        }
        const indent = indentWidth(line, tabSize);
        if (indent < blockIndent) {
            break;
        }
        if (indent > blockIndent) {
            nested = true;
        } else if (nested) {
            // Back at the cursor's level after a block the completion opened.
            if (continuesBlock(trimmed)) {
                nested = false;
            } else {
                if (closesBlock(trimmed)) {
                    kept.push(line);
                }
                break;
            }
        }
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

const BRACKET_ONLY = /^[\])}>;,\s]+$/;

/**
 * Whether a completion line is the same as a document line, ignoring surrounding whitespace. A line
 * of closing brackets must also match in indentation: `  }` closing the completion's own function
 * is not the `}` of the enclosing class, and cutting it would leave the function unclosed.
 */
function sameLine(line: string, documentLine: { trimmed: string; indent: number }, tabSize: number): boolean {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed !== documentLine.trimmed) {
        return false;
    }
    return !BRACKET_ONLY.test(trimmed) || indentWidth(line, tabSize) === documentLine.indent;
}

/** `} else {`, `else:`, `} catch (e) {`: the construct goes on at the same level. */
function continuesBlock(trimmed: string): boolean {
    return (
        (/^[\])}]/.test(trimmed) && /[{([:]$/.test(trimmed)) ||
        /^(?:else|elif|elsif|except|finally|catch|rescue|ensure)\b/.test(trimmed)
    );
}

/** `}`, `});`, `</div>`, `end`: closes the block the completion opened. */
function closesBlock(trimmed: string): boolean {
    return /^(?:[\])}]|<\/)/.test(trimmed) || /^(?:end|fi|done|esac|endif|endfor|endwhile|endfunction|until)\b/.test(trimmed);
}

function indentWidth(line: string, tabSize: number): number {
    let width = 0;
    for (const char of line) {
        if (char === " ") {
            width++;
        } else if (char === "\t") {
            width += tabSize - (width % tabSize);
        } else {
            break;
        }
    }
    return width;
}

/** Re-indents one line with the document's unit: a tab is one level, `tabSize` spaces are one tab. */
function convertIndent(line: string, unit: string, tabSize: number): string {
    const indent = /^[ \t]*/.exec(line)![0];
    const rest = line.slice(indent.length);
    if (unit === "\t" && indent.includes(" ")) {
        const width = indentWidth(indent, tabSize);
        return "\t".repeat(Math.floor(width / tabSize)) + " ".repeat(width % tabSize) + rest;
    }
    if (/^ +$/.test(unit) && indent.includes("\t")) {
        return indent.replace(/\t/g, unit) + rest;
    }
    return line;
}
