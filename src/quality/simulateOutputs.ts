import type { FimCase } from "./FimCase";
import { indentWidth as indentWidthOf } from "../completion/cleaning/blockScope";

/** What a cleaner is given; the fields of `CleanCompletionInput`. */
export interface TrialInput {
    readonly raw: string;
    readonly linePrefix: string;
    readonly lineSuffix: string;
    readonly previousLines: readonly string[];
    readonly nextLines: readonly string[];
    readonly eol: "\n" | "\r\n";
    readonly maxLines: number;
    readonly indentUnit: string;
    readonly tabSize: number;
    readonly languageId: string;
}

/** One simulated model output for one case, and what a correct cleaner makes of it. */
export interface Trial {
    readonly category: Category;
    readonly caseId: string;
    readonly input: TrialInput;
    /** Text to insert at the cursor that gives the right document (with `input.eol`). */
    readonly expectedText: string;
    /** Characters right of the cursor that the right document no longer has (auto-closed ones). */
    readonly expectedOverwrite: number;
    /** Text the model wrote that the document already has next (echo categories). */
    readonly echo?: string;
}

export const categories = [
    "perfect model, end of line",
    "perfect model, mid-line",
    "perfect model, after an auto-closed bracket or quote",
    "correct text + echo of the next lines",
    "echo instead of a completion",
    "runaway lines past the block",
    "leaked special token",
    "repeated lines",
    "repetition inside a line",
    "CRLF document",
    "indentation in the other style"
] as const;
export type Category = typeof categories[number];

/** The extension's default maxLines; mid-line completions get 1. */
const maxLines = 8;
const tabSize = 4;
const leakedTokens = ["<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|im_end|>", "<fim_middle>", "</s>", "<EOT>", "<｜end▁of▁sentence｜>"];

function indentWidth(line: string): number {
    return indentWidthOf(line, tabSize);
}

/** A small stable hash of a case id, so each case gets the same variant on every run. */
function variant(id: string, modulo: number): number {
    let hash = 0;
    for (let i = 0; i < id.length; i++)
        hash = (Math.imul(hash, 31) + id.charCodeAt(i)) >>> 0;
    return hash % modulo;
}

/** Every trial the harness runs: each case in every category it fits. */
export function simulateTrials(cases: readonly FimCase[]): Trial[] {
    return cases.flatMap((fimCase) => trialsFor(fimCase));
}

function trialsFor(c: FimCase): Trial[] {
    const trials: Trial[] = [];
    const docLineSuffix = (c.autoClosed ?? "") + c.lineSuffix;
    const midLine = /\S/.test(docLineSuffix);
    const base: TrialInput = {
        raw: c.middle,
        linePrefix: c.linePrefix,
        lineSuffix: docLineSuffix,
        previousLines: c.previousLines,
        nextLines: c.nextLines,
        eol: "\n",
        maxLines: midLine ? 1 : maxLines,
        indentUnit: c.indentUnit,
        tabSize,
        languageId: c.language
    };
    const add = (category: Category, input: Partial<TrialInput>, expectedText: string, expectedOverwrite = 0, echo?: string): void => {
        trials.push({ category, caseId: c.id, input: { ...base, ...input }, expectedText, expectedOverwrite, ...(echo !== undefined ? { echo } : {}) });
    };
    const multiLine = c.middle.includes("\n");
    const lastLine = (c.linePrefix + c.middle).split("\n").at(-1)!;
    const firstCodeLine = c.nextLines.findIndex((line) => line.trim() !== "");

    if (c.kind === "endOfLine")
        add("perfect model, end of line", {}, c.middle);
    else if (c.kind === "midLine")
        add("perfect model, mid-line", {}, c.middle);
    else
        add("perfect model, after an auto-closed bracket or quote", {}, c.middle, c.autoClosed!.length);
    if (c.kind === "autoClosed")
        return trials;

    // The model goes on to re-type what the document has next.
    if (midLine) {
        const echo = c.lineSuffix.trimStart();
        add("correct text + echo of the next lines", { raw: c.middle + c.lineSuffix + (variant(c.id, 2) === 0 ? "\n" + c.nextLines.slice(0, 2).join("\n") : "") }, c.middle, 0, echo);
    } else if (firstCodeLine >= 0) {
        const echoed = c.nextLines.slice(0, firstCodeLine + 1 + variant(c.id, 3));
        add("correct text + echo of the next lines", { raw: c.middle + "\n" + echoed.join("\n") }, c.middle, 0, echoed.join("\n"));
    }

    if (!midLine && firstCodeLine >= 0) {
        // The cursor after the completion's last line, or on a new line the user just opened under it.
        const previousLines = [...c.previousLines, ...(c.linePrefix + c.middle).split("\n")];
        const echoed = c.nextLines.slice(0, firstCodeLine + 1 + variant(c.id, 2));
        if (variant(c.id + "echo", 2) === 0)
            add("echo instead of a completion", { raw: "\n" + echoed.join("\n"), linePrefix: lastLine, previousLines: previousLines.slice(0, -1).slice(-12) }, "", 0, echoed.join("\n"));
        else {
            const indent = /^[ \t]*/.exec(c.nextLines[firstCodeLine])![0];
            const raw = echoed.slice(firstCodeLine).join("\n").slice(indent.length);
            add("echo instead of a completion", { raw, linePrefix: indent, previousLines: previousLines.slice(-12), nextLines: c.nextLines }, "", 0, echoed.join("\n"));
        }
    }

    if (!midLine) {
        // The model keeps writing after the block: code at an outer level, copied from above the cursor.
        const lines = (c.linePrefix + c.middle).split("\n");
        const block = indentWidth(lines[0]);
        const lastCode = [...lines].reverse().find((line) => line.trim() !== "")!;
        const nested = indentWidth(lastCode) > block;
        const closed = /^\s*[)\]}]/.test(lastCode);
        // Outer code: below the block, or at its level once the completion's own block is open or closed.
        const limit = closed ? Math.min(indentWidth(lastCode), block) : nested ? block : block - 1;
        const outer = c.previousLines.findLastIndex((line) => line.trim() !== "" && indentWidth(line) <= limit &&
            !/^\s*(?:[)\]}]|else\b|elif\b|except\b|finally\b|catch\b|case\b|default\b)/.test(line));
        if (outer >= 0) {
            const runaway = c.previousLines.slice(outer, outer + 3);
            add("runaway lines past the block", { raw: c.middle + "\n" + (variant(c.id, 2) === 0 ? "\n" : "") + runaway.join("\n") }, c.middle);
        }
    }

    const token = leakedTokens[variant(c.id, leakedTokens.length)];
    if (variant(c.id + "token", 2) === 0)
        add("leaked special token", { raw: c.middle + token + (c.nextLines[0] ?? "x") }, c.middle);
    else
        add("leaked special token", { raw: "<|fim_middle|>" + c.middle + token }, c.middle);

    if (!midLine && lastLine.trim() !== "")
        add("repeated lines", { raw: c.middle + `\n${lastLine}`.repeat(4) }, c.middle);

    const word = /(?:^|[^\w])(\w*[A-Za-z]\w*)$/.exec(c.middle);
    if (word !== null)
        add("repetition inside a line", { raw: c.middle + ` ${word[1]}`.repeat(30) }, c.middle);

    if (!midLine && multiLine) {
        const raw = variant(c.id + "crlf", 2) === 0 ? c.middle : c.middle.replace(/\n/g, "\r\n");
        add("CRLF document", { raw, eol: "\r\n" }, c.middle.replace(/\n/g, "\r\n"));
    }

    if (!midLine && multiLine) {
        const unitWidth = c.indentUnit === "\t" ? tabSize : c.indentUnit.length;
        const [first, ...rest] = c.middle.split("\n");
        const other = rest.map((line) => {
            const indent = /^[ \t]*/.exec(line)![0];
            if (c.indentUnit === "\t")
                return indent.replace(/\t/g, " ".repeat(tabSize)) + line.slice(indent.length);
            const width = indentWidth(indent);
            return "\t".repeat(Math.floor(width / unitWidth)) + " ".repeat(width % unitWidth) + line.slice(indent.length);
        });
        if (other.join("\n") !== rest.join("\n"))
            add("indentation in the other style", { raw: [first, ...other].join("\n") }, c.middle);
    }
    return trials;
}
