// Measures the code pair (test/models/code-pair) on its held-out files, as issue 24 asks: next-line
// exact match, the share of single-line suggestions that leave the file parseable (TypeScript's
// parser for JS and .d.ts, Python's `ast` for Python), and example completions verbatim. The target
// decodes alone (greedy: the pair's output is the target's); the draft's agreement and acceptance
// come from `specula bench --pair code`. Not a test: the numbers go into test/models/code-pair/README.md.
//
//   node node_modules/typescript/bin/tsc -p . && node out/src/quality/codePairQuality.js [--per-file N] [--layout classic|anchor] [--report FILE.md] [--json FILE.json]
//
// Held out (never trained on, see scripts/train-code-pair.py): all of vscode-jsonrpc (its
// lib/common/*.js and *.d.ts here) and Python's asyncio package.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as ts from "typescript";
import { SeededRandom } from "../engine/SeededRandom";
import { SpeculativeEngine } from "../engine/SpeculativeEngine";
import { codePairModelDir, CODE_PAIR_FILES } from "../fixtures/codePair";
import { repositoryRoot } from "./FimCase";

type HeldOutLanguage = "javascript" | "typescript" | "python";

interface HeldOutFile {
    readonly language: HeldOutLanguage;
    readonly name: string;
    readonly text: string;
}

/** One cursor: at the start of a line's code (after its indentation); the expected text is the rest of that line. */
export interface NextLineCase {
    readonly language: HeldOutLanguage;
    readonly file: string;
    /** 1-based. */
    readonly line: number;
    readonly prefix: string;
    readonly suffix: string;
    readonly expected: string;
}

export interface NextLineResult extends NextLineCase {
    /** The suggestion's first line, as the engine wrote it. */
    readonly suggestion: string;
    readonly exact: boolean;
    /** Whether the file with the suggestion in place of the line parses; undefined for empty suggestions. */
    readonly parses: boolean | undefined;
    /**
     * Whether it parses once a block the suggestion opens gets a body (Python: a line `pass` after a
     * line ending in `:`; JS/TS: a `}` for each `{` left open): a one-line suggestion of `if (x) {`
     * is what a person types there, and the lines after it are the next suggestion's job.
     */
    readonly parsesWithBody: boolean | undefined;
}

/** The prompt the engine sees, cut as an editor would send it. */
const prefixChars = 4000;
const suffixChars = 1200;

function heldOutFiles(): HeldOutFile[] {
    const jsonrpc = path.join(repositoryRoot(), "node_modules", "vscode-jsonrpc", "lib", "common");
    const asyncio = "/usr/lib/python3.11/asyncio";
    const files: HeldOutFile[] = [];
    for (const name of fs.readdirSync(jsonrpc).sort()) {
        const language = name.endsWith(".d.ts") ? "typescript" : name.endsWith(".js") ? "javascript" : undefined;
        if (language != null)
            files.push({ language, name: `vscode-jsonrpc/lib/common/${name}`, text: fs.readFileSync(path.join(jsonrpc, name), "utf8") });
    }
    if (fs.existsSync(asyncio))
        for (const name of fs.readdirSync(asyncio).filter((file) => file.endsWith(".py")).sort())
            files.push({ language: "python", name: `python3.11/asyncio/${name}`, text: fs.readFileSync(path.join(asyncio, name), "utf8") });
    return files;
}

/** Up to `perFile` lines per file, seeded: lines with at least 8 characters of code that are not comments. */
export function cutNextLineCases(files: readonly HeldOutFile[], perFile: number, seed = "code-pair-quality"): NextLineCase[] {
    const cases: NextLineCase[] = [];
    for (const file of files) {
        const random = new SeededRandom(`${seed}/${file.name}`);
        const lines = file.text.split("\n");
        const candidates = lines.map((line, index) => ({ line, index })).filter(({ line, index }) => {
            const code = line.trim();
            return index >= 5 && code.length >= 8 && code.length <= 160 && !/^(\/\/|\/\*|\*|#)/.test(code);
        });
        const chosen = candidates.map((entry) => ({ entry, key: random.next() })).sort((a, b) => a.key - b.key).slice(0, perFile)
            .map(({ entry }) => entry).sort((a, b) => a.index - b.index);
        for (const { line, index } of chosen) {
            const indent = /^[ \t]*/.exec(line)![0];
            const before = lines.slice(0, index).join("\n") + "\n" + indent;
            const after = "\n" + lines.slice(index + 1).join("\n");
            cases.push({
                language: file.language,
                file: file.name,
                line: index + 1,
                prefix: before,
                suffix: after,
                expected: line.slice(indent.length).trimEnd()
            });
        }
    }
    return cases;
}

/** Whether each text parses: TypeScript's parser (no type checking) for JS/TS, `ast.parse` for Python. */
export function parses(language: HeldOutLanguage, texts: readonly string[]): boolean[] {
    if (language !== "python") {
        const kind = language === "typescript" ? ts.ScriptKind.TS : ts.ScriptKind.JS;
        const name = language === "typescript" ? "file.d.ts" : "file.js";
        return texts.map((text) => {
            const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false, kind);
            return (source as unknown as { parseDiagnostics: readonly unknown[] }).parseDiagnostics.length === 0;
        });
    }
    const program = "import ast, json, sys\nfor line in sys.stdin:\n    try:\n        ast.parse(json.loads(line))\n        print(1)\n    except SyntaxError:\n        print(0)\n";
    const run = spawnSync("/usr/bin/python3", ["-c", program], { input: texts.map((text) => JSON.stringify(text)).join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 26 });
    if (run.status !== 0)
        throw new Error(`python3 failed: ${run.stderr}`);
    const results = run.stdout.trim().split("\n").map((value) => value === "1");
    if (results.length !== texts.length)
        throw new Error(`python3 answered ${results.length} of ${texts.length} texts`);
    return results;
}

/**
 * "classic": everything before the cursor goes before the suffix (`<PRE>prefix<SUF>suffix<MID>`), as
 * the models were trained. "anchor": the extension's layout (src/completion/PromptPlanner.ts): the
 * cursor line's text before the cursor (here its indentation) goes after `<MID>`.
 */
export type PromptLayout = "classic" | "anchor";

async function measure(cases: readonly NextLineCase[], maxTokens: number, layout: PromptLayout, log: (line: string) => void): Promise<NextLineResult[]> {
    const dir = codePairModelDir();
    const engine = await SpeculativeEngine.load({
        targetPath: path.join(dir, CODE_PAIR_FILES.target),
        gpu: "off",
        threads: 1,
        contextSize: 2048
    });
    const raw: Array<{ suggestion: string }> = [];
    try {
        for (const [index, entry] of cases.entries()) {
            const middleChars = layout === "anchor" ? entry.prefix.length - entry.prefix.lastIndexOf("\n") - 1 : 0;
            const result = await engine.complete({ prefix: entry.prefix.slice(-prefixChars), middleChars, suffix: entry.suffix.slice(0, suffixChars), maxTokens, maxLines: 1 });
            raw.push({ suggestion: result.text.split("\n")[0]!.trimEnd() });
            if ((index + 1) % 25 === 0)
                log(`${index + 1}/${cases.length} completions`);
        }
    } finally {
        await engine.dispose();
    }
    const parsed = new Map<NextLineCase, boolean>();
    const parsedWithBody = new Map<NextLineCase, boolean>();
    for (const language of ["javascript", "typescript", "python"] as const) {
        const nonEmpty = cases.filter((entry, index) => entry.language === language && raw[index]!.suggestion.trim() !== "");
        const suggestionOf = (entry: NextLineCase) => raw[cases.indexOf(entry)]!.suggestion;
        parses(language, nonEmpty.map((entry) => entry.prefix + suggestionOf(entry) + entry.suffix)).forEach((ok, index) => parsed.set(nonEmpty[index]!, ok));
        parses(language, nonEmpty.map((entry) => entry.prefix + withBody(language, entry, suggestionOf(entry)) + entry.suffix))
            .forEach((ok, index) => parsedWithBody.set(nonEmpty[index]!, ok || parsed.get(nonEmpty[index]!)!));
    }
    return cases.map((entry, index) => ({
        ...entry,
        ...raw[index]!,
        exact: raw[index]!.suggestion.trim() === entry.expected.trim(),
        parses: parsed.get(entry),
        parsesWithBody: parsedWithBody.get(entry)
    }));
}

/** The suggestion with a body for a block it opens (see {@link NextLineResult.parsesWithBody}). */
function withBody(language: HeldOutLanguage, entry: NextLineCase, suggestion: string): string {
    if (language === "python") {
        const indent = /[ \t]*$/.exec(entry.prefix)![0];
        return /:\s*$/.test(suggestion) ? `${suggestion}\n${indent}    pass` : suggestion;
    }
    const open = (suggestion.match(/\{/g)?.length ?? 0) - (suggestion.match(/\}/g)?.length ?? 0);
    return open > 0 ? `${suggestion}\n${"}".repeat(open)}` : suggestion;
}

const percent = (part: number, whole: number) => whole === 0 ? "–" : `${(part / whole * 100).toFixed(1)} %`;

export function formatCodePairQuality(results: readonly NextLineResult[], originalsParse: ReadonlyMap<HeldOutLanguage, number>, examples: number): string {
    const lines = [
        "| Held-out files | Cases | Next-line exact match | Non-empty suggestions | Of those, the file parses | … parses once an opened block gets a body |",
        "|---|---|---|---|---|---|"
    ];
    const groups: Array<[string, readonly NextLineResult[]]> = [
        ["vscode-jsonrpc lib/common/*.js", results.filter((entry) => entry.language === "javascript")],
        ["vscode-jsonrpc lib/common/*.d.ts", results.filter((entry) => entry.language === "typescript")],
        ["Python asyncio/*.py", results.filter((entry) => entry.language === "python")],
        ["all", results]
    ];
    for (const [name, group] of groups) {
        const nonEmpty = group.filter((entry) => entry.parses != null);
        const withBodies = nonEmpty.filter((entry) => entry.parsesWithBody).length;
        lines.push(`| ${name} | ${group.length} | ${group.filter((entry) => entry.exact).length} (${percent(group.filter((entry) => entry.exact).length, group.length)}) | ` +
            `${nonEmpty.length} | ${nonEmpty.filter((entry) => entry.parses).length} (${percent(nonEmpty.filter((entry) => entry.parses).length, nonEmpty.length)}) | ` +
            `${withBodies} (${percent(withBodies, nonEmpty.length)}) |`);
    }
    lines.push("", `Every held-out file parses as it is (${[...originalsParse].map(([language, count]) => `${language} ${count}`).join(", ")} files checked).`, "");
    lines.push(`${examples} example completions (cursor at the start of the line's code; \`expected\` is the file's own line):`, "");
    const random = new SeededRandom("code-pair-quality/examples");
    const picked = results.map((entry) => ({ entry, key: random.next() })).sort((a, b) => a.key - b.key).slice(0, examples).map(({ entry }) => entry);
    for (const entry of picked) {
        const lastLines = entry.prefix.split("\n").slice(-3);
        lines.push(`- \`${entry.file}:${entry.line}\` (${entry.exact ? "exact" : entry.parses === true ? "parses" : entry.parsesWithBody === true ? "parses once its block has a body" : entry.parses === false ? "does not parse" : "empty"})`, "",
            "  ```", ...lastLines.slice(0, -1).map((line) => `  ${line}`), `  ${lastLines.at(-1)}█`, "  ```", "",
            `  suggestion: \`${JSON.stringify(entry.suggestion)}\``, "",
            `  expected:   \`${JSON.stringify(entry.expected)}\``, "");
    }
    return lines.join("\n");
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        args: process.argv.slice(2),
        options: {
            "per-file": { type: "string", default: "6" },
            "max-tokens": { type: "string", default: "48" },
            examples: { type: "string", default: "10" },
            layout: { type: "string", default: "classic" },
            report: { type: "string" },
            json: { type: "string" }
        },
        strict: true
    });
    const perFile = Number(values["per-file"]);
    const layout = values.layout;
    if (layout !== "classic" && layout !== "anchor")
        throw new Error(`--layout must be classic or anchor, got "${layout}"`);
    const files = heldOutFiles();
    const originalsParse = new Map<HeldOutLanguage, number>();
    for (const language of ["javascript", "typescript", "python"] as const) {
        const texts = files.filter((file) => file.language === language).map((file) => file.text);
        const ok = parses(language, texts);
        if (ok.some((value) => !value))
            throw new Error(`a held-out ${language} file does not parse as it is: the parse check would be meaningless`);
        originalsParse.set(language, texts.length);
    }
    const cases = cutNextLineCases(files, perFile);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    log(`${files.length} held-out files, ${cases.length} cases`);
    const results = await measure(cases, Number(values["max-tokens"]), layout, log);
    const report = formatCodePairQuality(results, originalsParse, Number(values.examples));
    if (values.report != null)
        fs.writeFileSync(values.report, report + "\n");
    if (values.json != null)
        fs.writeFileSync(values.json, JSON.stringify(results.map(({ prefix: _prefix, suffix: _suffix, ...rest }) => rest), null, 1));
    process.stdout.write(report + "\n");
}

if (require.main === module)
    main().catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
        process.exitCode = 1;
    });
