import { latencyOptions } from "../completion/latencyOptions";
import { parseArgs } from "node:util";
import { SpeculaError } from "../engine/SpeculaError";
import { decodingOptions } from "../engine/decodingOptions";

/** The ranges the engine accepts, declared once in src/engine/decodingOptions.ts. */
const accepted = {
    maxTokens: decodingOptions.maxTokens.accepted,
    maxLines: decodingOptions.maxLines.accepted,
    temperature: decodingOptions.temperature.accepted,
    draftMax: decodingOptions.draftMax.accepted
};

/**
 * The built-in pair `complete` and `bench` use without --target: "fixture" (generated n-gram models,
 * degenerate text) or "code" (small models trained on real code, test/models/code-pair).
 */
export type BuiltInPairName = "fixture" | "code";

export const builtInPairNames: readonly BuiltInPairName[] = ["fixture", "code"];

export type CliCommand =
    | {
        readonly command: "complete";
        /** Defaults to "fixture". */
        readonly pair: BuiltInPairName;
        readonly target?: string;
        readonly draft?: string;
        readonly noDraft: boolean;
        readonly prefixFile?: string;
        readonly suffixFile?: string;
        readonly prompt?: string;
        readonly maxTokens: number;
        readonly maxLines?: number;
        readonly temperature: number;
        readonly seed: number;
        readonly draftMax?: number;
        readonly threads: number;
        readonly json: boolean;
    }
    | {
        readonly command: "bench";
        /** Defaults to "fixture". */
        readonly pair: BuiltInPairName;
        readonly target?: string;
        readonly draft?: string;
        readonly tasks?: string;
        readonly maxTokens: number;
        readonly threads: number;
        readonly limit?: number;
        readonly json: boolean;
        /** issue 5: "all" or a comma-separated list of variants to compare side by side. */
        readonly variants?: string;
        readonly report?: string;
        readonly sweepTasks: number;
        readonly typingChars: number;
        /** Where the bench gets llama-server from: "build", "off" or a binary's path (see VariantsBenchOptions.llamaServer). */
        readonly llamaServer?: string;
    }
    | {
        readonly command: "latency";
        readonly pair: BuiltInPairName;
        readonly target?: string;
        readonly draft?: string;
        readonly threads: number;
        readonly maxTokens: number;
        readonly chars: number;
        readonly files: number;
        readonly chains: number;
        readonly debounceMs: number;
        readonly budgetMs: number;
        readonly compareLayout: boolean;
        readonly report?: string;
        readonly json: boolean;
    }
    | {
        /** issue 22: the next edit the model predicts around a line of a file. */
        readonly command: "edit";
        readonly target: string;
        readonly draft?: string;
        readonly noDraft: boolean;
        readonly file: string;
        /** 1-based line of the cursor. */
        readonly line: number;
        readonly history?: string;
        readonly noSpeculative: boolean;
        readonly maxTokens: number;
        readonly draftMax?: number;
        readonly threads: number;
        readonly json: boolean;
    }
    | {
        /** issue 22: next-edit tasks with the target alone and with speculative edits. */
        readonly command: "edit-bench";
        readonly target: string;
        readonly draft?: string;
        readonly tasks: string;
        readonly limit?: number;
        readonly maxTokens: number;
        readonly threads: number;
        readonly json: boolean;
    }
    | { readonly command: "fixtures"; readonly out?: string; readonly large: boolean }
    | { readonly command: "help" };

export const usage = `Usage:
  specula complete [--pair fixture|code | --target T.gguf] [--draft D.gguf | --no-draft] (--prefix-file P [--suffix-file S] | --prompt TEXT)
                   [--max-tokens N] [--max-lines N] [--temperature X] [--seed N] [--draft-max K] [--threads N] [--json]
  specula bench [--pair fixture|code | --target T.gguf --draft D.gguf] [--tasks tasks.jsonl] [--max-tokens N] [--threads N] [--limit N] [--json]
                [--variants all|target,peer,server,server-md,server-ngram,server-md-ngram,k1,k2,k4,k8,adaptive,ngram,hybrid,ngram-pool,hybrid-pool [--report FILE.md] [--sweep-tasks N] [--typing-chars N]
                 [--llama-server build|off|PATH]]
  specula latency [--pair fixture|code | --target T.gguf --draft D.gguf] [--threads N] [--max-tokens N] [--chars N] [--files N] [--chains N]
                  [--debounce MS] [--budget MS] [--compare-layout] [--report FILE.md] [--json]
  specula edit --target T.gguf [--draft D.gguf | --no-draft] --file F --line N [--history EDITS.diff] [--no-speculative]
               [--max-tokens N] [--draft-max K] [--threads N] [--json]
  specula edit-bench --target T.gguf [--draft D.gguf] --tasks next-edit-eval.jsonl [--limit N] [--max-tokens N] [--threads N] [--json]
  specula fixtures [--out DIR] [--large]

Without --target, complete and bench use a built-in pair: --pair fixture (the default; generated
n-gram models, complete uses the small target and bench the large one) or --pair code (small models
trained on real code; complete uses the trained target and bench the copy padded to a real model's cost).

edit asks a next-edit model (Sweep Next-Edit's prompt layout) for the edit it predicts in the lines
around --line of --file, given the recent edits in --history (a unified diff, oldest hunk first; its
last hunk is the last edit). --no-speculative decodes with the target alone (same output, greedy).`;

/** Parses argv into a typed command; every problem is a BAD_ARGUMENT error with a one-line message. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
    const [command, ...rest] = argv;
    if (command == null || command === "help" || command === "--help" || command === "-h")
        return { command: "help" };
    try {
        switch (command) {
            case "complete": {
                const { values } = parseArgs({
                    args: [...rest],
                    strict: true,
                    allowPositionals: false,
                    options: {
                        pair: { type: "string" }, target: { type: "string" }, draft: { type: "string" }, "no-draft": { type: "boolean", default: false },
                        "prefix-file": { type: "string" }, "suffix-file": { type: "string" }, prompt: { type: "string" },
                        "max-tokens": { type: "string" }, "max-lines": { type: "string" }, temperature: { type: "string" },
                        seed: { type: "string" }, "draft-max": { type: "string" }, threads: { type: "string" },
                        json: { type: "boolean", default: false }
                    }
                });
                if (values.draft != null && values["no-draft"])
                    throw new SpeculaError("BAD_ARGUMENT", "--draft and --no-draft cannot be used together.");
                if ((values.prompt == null) === (values["prefix-file"] == null))
                    throw new SpeculaError("BAD_ARGUMENT", "give exactly one of --prompt TEXT or --prefix-file P.");
                if (values["suffix-file"] != null && values["prefix-file"] == null)
                    throw new SpeculaError("BAD_ARGUMENT", "--suffix-file needs --prefix-file.");
                if (values.draft != null && values.target == null)
                    throw new SpeculaError("BAD_ARGUMENT", "--draft needs --target.");
                return {
                    command: "complete",
                    pair: pairName(values.pair, values.target),
                    target: values.target,
                    draft: values.draft,
                    noDraft: values["no-draft"] ?? false,
                    prefixFile: values["prefix-file"],
                    suffixFile: values["suffix-file"],
                    prompt: values.prompt,
                    maxTokens: integer(values["max-tokens"], "--max-tokens", 64, accepted.maxTokens.min, accepted.maxTokens.max),
                    maxLines: optionalInteger(values["max-lines"], "--max-lines", 1, accepted.maxLines.max),
                    temperature: number(values.temperature, "--temperature", decodingOptions.temperature.default, accepted.temperature.min, accepted.temperature.max),
                    seed: integer(values.seed, "--seed", 0, 0, 2 ** 32 - 1),
                    draftMax: optionalInteger(values["draft-max"], "--draft-max", accepted.draftMax.min, accepted.draftMax.max),
                    threads: integer(values.threads, "--threads", 0, 0, 1024),
                    json: values.json ?? false
                };
            }
            case "bench": {
                const { values } = parseArgs({
                    args: [...rest],
                    strict: true,
                    allowPositionals: false,
                    options: {
                        pair: { type: "string" }, target: { type: "string" }, draft: { type: "string" }, tasks: { type: "string" },
                        "max-tokens": { type: "string" }, threads: { type: "string" }, limit: { type: "string" },
                        json: { type: "boolean", default: false },
                        variants: { type: "string" }, report: { type: "string" }, "sweep-tasks": { type: "string" }, "typing-chars": { type: "string" },
                        "llama-server": { type: "string" }
                    }
                });
                if (values.variants == null && (values.report != null || values["sweep-tasks"] != null || values["typing-chars"] != null || values["llama-server"] != null))
                    throw new SpeculaError("BAD_ARGUMENT", "--report, --sweep-tasks, --typing-chars and --llama-server need --variants.");
                if (values["llama-server"] === "")
                    throw new SpeculaError("BAD_ARGUMENT", "--llama-server needs build, off or the path of a llama-server binary.");
                if ((values.target == null) !== (values.draft == null))
                    throw new SpeculaError("BAD_ARGUMENT", "bench needs both --target and --draft, or neither (built-in pair).");
                return {
                    command: "bench",
                    pair: pairName(values.pair, values.target),
                    target: values.target,
                    draft: values.draft,
                    tasks: values.tasks,
                    maxTokens: integer(values["max-tokens"], "--max-tokens", 64, 1, 1_000_000),
                    threads: integer(values.threads, "--threads", 1, 0, 1024),
                    limit: optionalInteger(values.limit, "--limit", 1, 1_000_000),
                    json: values.json ?? false,
                    ...(values.variants != null ? { variants: values.variants } : {}),
                    ...(values.report != null ? { report: values.report } : {}),
                    sweepTasks: integer(values["sweep-tasks"], "--sweep-tasks", 4, 0, 1000),
                    typingChars: integer(values["typing-chars"], "--typing-chars", 240, 0, 100_000),
                    ...(values["llama-server"] != null ? { llamaServer: values["llama-server"] } : {})
                };
            }
            case "latency": {
                const { values } = parseArgs({
                    args: [...rest],
                    strict: true,
                    allowPositionals: false,
                    options: {
                        pair: { type: "string" }, target: { type: "string" }, draft: { type: "string" }, threads: { type: "string" }, "max-tokens": { type: "string" },
                        chars: { type: "string" }, files: { type: "string" }, chains: { type: "string" }, debounce: { type: "string" },
                        budget: { type: "string" }, report: { type: "string" }, json: { type: "boolean", default: false },
                        "compare-layout": { type: "boolean", default: false }
                    }
                });
                if ((values.target == null) !== (values.draft == null))
                    throw new SpeculaError("BAD_ARGUMENT", "latency needs both --target and --draft, or neither (built-in pair).");
                return {
                    command: "latency",
                    pair: pairName(values.pair, values.target),
                    target: values.target,
                    draft: values.draft,
                    threads: integer(values.threads, "--threads", 1, 0, 1024),
                    maxTokens: integer(values["max-tokens"], "--max-tokens", 48, 1, 4096),
                    chars: integer(values.chars, "--chars", 240, 1, 100_000),
                    files: integer(values.files, "--files", 2, 1, 4),
                    chains: integer(values.chains, "--chains", 4, 0, 100),
                    debounceMs: integer(values.debounce, "--debounce", latencyOptions.debounceMs.default, 0, 2000),
                    budgetMs: integer(values.budget, "--budget", latencyOptions.latencyBudgetMs.default, 0, 10_000),
                    compareLayout: values["compare-layout"] ?? false,
                    ...(values.report != null ? { report: values.report } : {}),
                    json: values.json ?? false
                };
            }
            case "edit": {
                const { values } = parseArgs({
                    args: [...rest],
                    strict: true,
                    allowPositionals: false,
                    options: {
                        target: { type: "string" }, draft: { type: "string" }, "no-draft": { type: "boolean", default: false },
                        file: { type: "string" }, line: { type: "string" }, history: { type: "string" },
                        "no-speculative": { type: "boolean", default: false }, "max-tokens": { type: "string" },
                        "draft-max": { type: "string" }, threads: { type: "string" }, json: { type: "boolean", default: false }
                    }
                });
                if (values.target == null)
                    throw new SpeculaError("BAD_ARGUMENT", "edit needs --target (a next-edit model).");
                if (values.draft != null && values["no-draft"])
                    throw new SpeculaError("BAD_ARGUMENT", "--draft and --no-draft cannot be used together.");
                if (values.file == null || values.line == null)
                    throw new SpeculaError("BAD_ARGUMENT", "edit needs --file F and --line N.");
                return {
                    command: "edit",
                    target: values.target,
                    ...(values.draft != null ? { draft: values.draft } : {}),
                    noDraft: values["no-draft"] ?? false,
                    file: values.file,
                    line: integer(values.line, "--line", 1, 1, 100_000_000),
                    ...(values.history != null ? { history: values.history } : {}),
                    noSpeculative: values["no-speculative"] ?? false,
                    maxTokens: integer(values["max-tokens"], "--max-tokens", 256, accepted.maxTokens.min, accepted.maxTokens.max),
                    draftMax: optionalInteger(values["draft-max"], "--draft-max", accepted.draftMax.min, accepted.draftMax.max),
                    threads: integer(values.threads, "--threads", 0, 0, 1024),
                    json: values.json ?? false
                };
            }
            case "edit-bench": {
                const { values } = parseArgs({
                    args: [...rest],
                    strict: true,
                    allowPositionals: false,
                    options: {
                        target: { type: "string" }, draft: { type: "string" }, tasks: { type: "string" }, limit: { type: "string" },
                        "max-tokens": { type: "string" }, threads: { type: "string" }, json: { type: "boolean", default: false }
                    }
                });
                if (values.target == null || values.tasks == null)
                    throw new SpeculaError("BAD_ARGUMENT", "edit-bench needs --target (a next-edit model) and --tasks (scripts/make-next-edit-data.py's eval file).");
                return {
                    command: "edit-bench",
                    target: values.target,
                    ...(values.draft != null ? { draft: values.draft } : {}),
                    tasks: values.tasks,
                    limit: optionalInteger(values.limit, "--limit", 1, 1_000_000),
                    maxTokens: integer(values["max-tokens"], "--max-tokens", 256, accepted.maxTokens.min, accepted.maxTokens.max),
                    threads: integer(values.threads, "--threads", 1, 0, 1024),
                    json: values.json ?? false
                };
            }
            case "fixtures": {
                const { values } = parseArgs({
                    args: [...rest],
                    strict: true,
                    allowPositionals: false,
                    options: { out: { type: "string" }, large: { type: "boolean", default: false } }
                });
                return { command: "fixtures", out: values.out, large: values.large ?? false };
            }
            default:
                throw new SpeculaError("BAD_ARGUMENT", `unknown command "${command}" (expected complete, edit, bench, edit-bench, latency or fixtures).`);
        }
    } catch (error) {
        if (error instanceof SpeculaError)
            throw error;
        // node:util's parseArgs errors are already one readable line.
        throw new SpeculaError("BAD_ARGUMENT", error instanceof Error ? error.message.split("\n")[0] : String(error));
    }
}

function pairName(raw: string | undefined, target: string | undefined): BuiltInPairName {
    if (raw == null)
        return "fixture";
    if (target != null)
        throw new SpeculaError("BAD_ARGUMENT", "--pair and --target cannot be used together.");
    const name = builtInPairNames.find((candidate) => candidate === raw);
    if (name == null)
        throw new SpeculaError("BAD_ARGUMENT", `--pair must be one of ${builtInPairNames.join(", ")}, got "${raw}".`);
    return name;
}

function number(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
    if (raw == null)
        return fallback;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max)
        throw new SpeculaError("BAD_ARGUMENT", `${name} must be a number from ${min} to ${max}, got "${raw}".`);
    return value;
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
    const value = number(raw, name, fallback, min, max);
    if (!Number.isInteger(value))
        throw new SpeculaError("BAD_ARGUMENT", `${name} must be a whole number, got "${raw}".`);
    return value;
}

function optionalInteger(raw: string | undefined, name: string, min: number, max: number): number | undefined {
    return raw == null ? undefined : integer(raw, name, 0, min, max);
}
