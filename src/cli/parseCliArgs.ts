import * as os from "node:os";
import { parseArgs } from "node:util";
import { allVariants, selectVariants } from "../bench/variants";
import { latencyOptions } from "../completion/latencyOptions";
import { decodingOptions } from "../common/decodingOptions";
import { DEFAULT_CONTEXT_SIZE, DEFAULT_DRAFT_MAX } from "../common/EngineOptions";
import { maxTokensFor, minPromptShare } from "../engine/generationBudget";
import { SpeculaError } from "../engine/SpeculaError";

/**
 * The built-in pair `complete` and `bench` use without --target: "fixture" (generated n-gram models,
 * degenerate text) or "code" (small models trained on real code, test/models/code-pair).
 */
export type BuiltInPairName = "fixture" | "code";

export const builtInPairNames: readonly BuiltInPairName[] = ["fixture", "code"];

/** Context size of the models `bench --variants` and `latency` load (`complete` and plain `bench` use the engine's default). */
export const BENCH_CONTEXT_SIZE = 2048;

export type CommandName = "complete" | "edit" | "bench" | "edit-bench" | "latency" | "fixtures";

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
        /** Measure in the real editor (code-server + Chromium, the code pair) instead of through the pipeline in-process. */
        readonly realUi: boolean;
        /** With realUi: time next-edit suggestions (typed renames, the fixture next-edit model) instead of completions. */
        readonly nextEdit: boolean;
        readonly report?: string;
        readonly json: boolean;
    }
    | {
        /** The next edit a next-edit model predicts around a line of a file (src/nextEdit). */
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
        /** Next-edit tasks with the target alone and with speculative edits. */
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
    /** `specula --help` (no command) or `specula COMMAND --help`. */
    | { readonly command: "help"; readonly topic?: CommandName };

/** What the parser needs to know about this machine. */
export interface CliMachine {
    /** Cores this process may use: the most --threads can put to work. Defaults to os.availableParallelism(). */
    readonly cores: number;
}

/** One command-line option: how node:util parses it, and its line in the command's help. */
interface CliOption {
    readonly type: "string" | "boolean";
    /** What the value looks like in the help ("N", "T.gguf"); absent for flags. */
    readonly value?: string;
    readonly help: string;
    /** The value used when the option is not given (numbers only; flags default to off). */
    readonly default?: number;
}

type OptionTable = Readonly<Record<string, CliOption>>;

interface CommandSpec {
    readonly synopsis: string;
    readonly summary: string;
    readonly options: OptionTable;
    readonly notes?: string;
}

const pairOption: CliOption = {
    type: "string", value: "fixture|code",
    help: "the built-in pair used without --target. fixture (default): generated n-gram models whose text is meaningless (\"the the the…\"): they exercise the machinery, not write code. code: small models trained on JS/TS and Python (test/models/code-pair)"
};
const threadsHelp = "CPU threads for evaluation, at most this machine's cores; 0 = all cores but one";

/**
 * Each command's options, declared once: node:util parses them, the help lists them, and the
 * numbers' defaults are read from here.
 */
const commands: Readonly<Record<CommandName, CommandSpec>> = {
    complete: {
        synopsis: "specula complete [--pair fixture|code | --target T.gguf [--draft D.gguf]] [--no-draft] (--prompt TEXT | --prefix-file P [--suffix-file S]) [options]",
        summary: "Complete one text and print it; a stats line (tokens, time, acceptance) goes to stderr.",
        options: {
            pair: pairOption,
            target: { type: "string", value: "T.gguf", help: "the target model: it decides every output token" },
            draft: { type: "string", value: "D.gguf", help: "the draft model that proposes tokens (needs --target; must share the target's vocabulary)" },
            "no-draft": { type: "boolean", help: "decode with the target alone, for comparison" },
            prompt: { type: "string", value: "TEXT", help: "the text before the cursor" },
            "prefix-file": { type: "string", value: "P", help: "read the text before the cursor from a file" },
            "suffix-file": { type: "string", value: "S", help: "read the text after the cursor from a file (with --prefix-file)" },
            "max-tokens": { type: "string", value: "N", default: 64, help: "most tokens to generate; the prompt keeps at least half the context" },
            "max-lines": { type: "string", value: "N", help: "most lines to generate (default: no limit)" },
            temperature: { type: "string", value: "X", default: decodingOptions.temperature.default, help: "0 = greedy; above 0 = speculative sampling (the target's distribution exactly)" },
            seed: { type: "string", value: "N", default: 0, help: "random seed for sampling" },
            "draft-max": { type: "string", value: "K", default: decodingOptions.draftMax.default, help: "most tokens drafted per round" },
            threads: { type: "string", value: "N", default: 0, help: threadsHelp },
            json: { type: "boolean", help: "print text, tokens and stats as one JSON object" }
        },
        notes: "A draft that cannot be used with the target (another vocabulary) is reported on stderr and the text is completed with the target alone."
    },
    bench: {
        synopsis: "specula bench [--pair fixture|code | --target T.gguf --draft D.gguf] [--tasks tasks.jsonl] [--limit N] [--variants LIST [--report FILE.md]] [options]",
        summary: "Compare target-alone and speculative decoding on a task set (fill-in-the-middle tasks cut from real code), checking every output is identical.",
        options: {
            pair: { ...pairOption, help: `${pairOption.help}. bench uses the large fixture target (154.7 M parameters) or the code target padded to cost what a real model costs` },
            target: { type: "string", value: "T.gguf", help: "the target model (with --draft)" },
            draft: { type: "string", value: "D.gguf", help: "the draft model (with --target)" },
            tasks: { type: "string", value: "FILE.jsonl", help: "tasks, one JSON object {id, prefix, suffix} a line (default: the built-in tasks)" },
            limit: { type: "string", value: "N", help: "a quick run: only the first N tasks; with --variants also --sweep-tasks 1 and --typing-chars 0 unless given" },
            "max-tokens": { type: "string", value: "N", default: 64, help: "tokens generated per task" },
            threads: { type: "string", value: "N", default: 1, help: threadsHelp },
            json: { type: "boolean", help: "print the results as JSON" },
            variants: { type: "string", value: "LIST", help: `all, or a comma-separated list of ${allVariants(decodingOptions.draftConfidence.default).map((variant) => variant.id).join(", ")}: the variants side by side (npm run bench runs all)` },
            report: { type: "string", value: "FILE.md", help: "with --variants: write the report (and FILE.json, the chart) there" },
            "sweep-tasks": { type: "string", value: "N", default: 4, help: "with --variants: tasks set apart to choose node-llama-cpp's predictor settings and warm up" },
            "typing-chars": { type: "string", value: "N", default: 240, help: "with --variants: characters typed in the typing replay (0 = none)" },
            "llama-server": { type: "string", value: "build|off|PATH", help: "with --variants: where llama.cpp's own server comes from (default build: scripts/build-llama-server.sh's cached build)" }
        }
    },
    latency: {
        synopsis: "specula latency [--pair fixture|code | --target T.gguf --draft D.gguf] [options]",
        summary: "Type real code through the extension's completion pipeline as a user would and measure keystroke → suggestion and Tab → next suggestion.",
        options: {
            pair: { ...pairOption, help: `the built-in pair used without --target. code (default for latency): small models trained on real code (test/models/code-pair), the target padded to a real model's cost. fixture: the large fixture target, generated n-gram models whose text is meaningless` },
            target: { type: "string", value: "T.gguf", help: "the target model (with --draft)" },
            draft: { type: "string", value: "D.gguf", help: "the draft model (with --target)" },
            threads: { type: "string", value: "N", default: 1, help: threadsHelp },
            "max-tokens": { type: "string", value: "N", default: 48, help: "most tokens per suggestion" },
            chars: { type: "string", value: "N", default: 240, help: "characters typed per file" },
            files: { type: "string", value: "N", default: 2, help: "files typed (1–4)" },
            chains: { type: "string", value: "N", default: 4, help: "Tab-Tab-Tab chains measured" },
            debounce: { type: "string", value: "MS", default: latencyOptions.debounceMs.default, help: "shortest wait after a keystroke (specula.debounceMs)" },
            budget: { type: "string", value: "MS", default: latencyOptions.latencyBudgetMs.default, help: "latency budget (specula.latencyBudgetMs)" },
            "compare-layout": { type: "boolean", help: "also replay with the classic fill-in-the-middle prompt layout" },
            "real-ui": { type: "boolean", help: "measure in the real editor (code-server + Chromium, the code pair, threads 1; a development checkout with the e2e tools): takes only --chars, --files and --report" },
            "next-edit": { type: "boolean", help: "with --real-ui: keystroke → next-edit suggestion shown instead (typed renames in held-out code, the fixture next-edit model, completions off); takes only --report" },
            report: { type: "string", value: "FILE.md", help: "write the report there" },
            json: { type: "boolean", help: "print the summaries as JSON" }
        }
    },
    edit: {
        synopsis: "specula edit --target T.gguf [--draft D.gguf | --no-draft] --file F --line N [--history EDITS.diff] [--no-speculative] [options]",
        summary: "Ask a next-edit model (Sweep Next-Edit's prompt layout) for the edit it predicts in the lines around --line of --file.",
        options: {
            target: { type: "string", value: "T.gguf", help: "the next-edit model" },
            draft: { type: "string", value: "D.gguf", help: "a draft model sharing its vocabulary (the current window is always a draft)" },
            "no-draft": { type: "boolean", help: "no draft model: only the window is copied as the draft" },
            file: { type: "string", value: "F", help: "the file being edited" },
            line: { type: "string", value: "N", help: "1-based line of the cursor" },
            history: { type: "string", value: "EDITS.diff", help: "the recent edits, a unified diff, oldest hunk first; its last hunk is the last edit" },
            "no-speculative": { type: "boolean", help: "decode with the target alone (same output, greedy)" },
            "max-tokens": { type: "string", value: "N", default: 256, help: "most tokens generated" },
            "draft-max": { type: "string", value: "K", help: "most tokens drafted per round" },
            threads: { type: "string", value: "N", default: 0, help: threadsHelp },
            json: { type: "boolean", help: "print the edit (or null and why), the tokens and the stats as one JSON object" }
        }
    },
    "edit-bench": {
        synopsis: "specula edit-bench --target T.gguf [--draft D.gguf] --tasks next-edit-eval.jsonl [--limit N] [options]",
        summary: "Run next-edit tasks with the target alone and with speculative edits: tokens compared, tokens/s, tokens per target pass, windows exactly right.",
        options: {
            target: { type: "string", value: "T.gguf", help: "the next-edit model" },
            draft: { type: "string", value: "D.gguf", help: "a draft model sharing its vocabulary" },
            tasks: { type: "string", value: "FILE.jsonl", help: "scripts/make-next-edit-data.py's eval file" },
            limit: { type: "string", value: "N", help: "only the first N tasks" },
            "max-tokens": { type: "string", value: "N", default: 256, help: "most tokens generated per task" },
            threads: { type: "string", value: "N", default: 1, help: threadsHelp },
            json: { type: "boolean", help: "print the results as JSON" }
        }
    },
    fixtures: {
        synopsis: "specula fixtures [--out DIR] [--large]",
        summary: "Write the generated fixture models (tiny test models whose text is meaningless) and print their paths.",
        options: {
            out: { type: "string", value: "DIR", help: "the folder to write them to (default: .cache/fixtures in the package)" },
            large: { type: "boolean", help: "also write the large (154.7 M-parameter) target and its draft, about 166 MB" }
        }
    }
};

const commandNames = Object.keys(commands) as CommandName[];
const helpOption: CliOption = { type: "boolean", help: "show this help" };

export const usage = [
    "Usage:",
    ...commandNames.map((name) => `  ${commands[name].synopsis}`),
    "",
    ...commandNames.map((name) => `  ${name.padEnd(10)} ${commands[name].summary}`),
    "",
    "specula COMMAND --help lists a command's options. Without --target, complete, bench and latency use a",
    "built-in pair: --pair fixture (the default for complete and bench; generated models whose text is meaningless,",
    "\"the the the…\") or --pair code (small models trained on real code; the default for latency)."
].join("\n");

/** The help of one command: its synopsis, what it does, and every option with its default. */
export function commandHelp(name: CommandName): string {
    const spec = commands[name];
    const rows = Object.entries({ ...spec.options, help: helpOption }).map(([option, declared]) => {
        const left = `${option === "help" ? "-h, " : ""}--${option}${declared.value != null ? ` ${declared.value}` : ""}`;
        return `  ${left.padEnd(30)} ${declared.help}${declared.default != null ? ` (default ${declared.default})` : ""}`;
    });
    return [`Usage: ${spec.synopsis}`, "", spec.summary, "", "Options:", ...rows, ...(spec.notes != null ? ["", spec.notes] : [])].join("\n");
}

/** Parses argv into a typed command; every problem is a BAD_ARGUMENT error with a one-line message. */
export function parseCliArgs(argv: readonly string[], machine: CliMachine = { cores: os.availableParallelism() }): CliCommand {
    const [command, ...rest] = argv;
    if (command == null || command === "help" || command === "--help" || command === "-h") {
        const topic = command === "help" && rest[0] !== "--help" && rest[0] !== "-h" ? rest[0] : undefined;
        if (topic != null && !isCommandName(topic))
            throw unknownCommand(topic);
        return topic != null ? { command: "help", topic } : { command: "help" };
    }
    if (!isCommandName(command))
        throw unknownCommand(command);
    const spec = commands[command];
    const args = joinNegativeValues(rest, spec.options);
    if (asksForHelp(args, spec.options))
        return { command: "help", topic: command };
    const values = parseOptions(command, args, spec.options);
    const read = new OptionReader(values, spec.options);
    const threads = (): number => read.integer("threads", 0, machine.cores, ` (this machine has ${machine.cores} cores; 0 = all but one)`);
    switch (command) {
        case "complete": {
            if (values.draft != null && values["no-draft"] === true)
                throw badArgument("--draft and --no-draft cannot be used together.");
            if ((values.prompt == null) === (values["prefix-file"] == null))
                throw badArgument("give exactly one of --prompt TEXT or --prefix-file P.");
            if (values["suffix-file"] != null && values["prefix-file"] == null)
                throw badArgument("--suffix-file needs --prefix-file.");
            if (values.draft != null && values.target == null)
                throw badArgument("--draft needs --target.");
            const draftMax = read.optionalInteger("draft-max", decodingOptions.draftMax.setting.minimum, decodingOptions.draftMax.setting.maximum);
            return {
                command: "complete",
                pair: pairName(read.string("pair"), read.string("target")),
                target: read.string("target"),
                draft: read.string("draft"),
                noDraft: read.flag("no-draft"),
                prefixFile: read.string("prefix-file"),
                suffixFile: read.string("suffix-file"),
                prompt: read.string("prompt"),
                maxTokens: maxTokensOption(read, DEFAULT_CONTEXT_SIZE, draftMax ?? DEFAULT_DRAFT_MAX),
                maxLines: read.optionalInteger("max-lines", decodingOptions.maxLines.setting.minimum, decodingOptions.maxLines.setting.maximum),
                temperature: read.number("temperature", decodingOptions.temperature.accepted.min, decodingOptions.temperature.accepted.max),
                seed: read.integer("seed", 0, 2 ** 32 - 1),
                draftMax,
                threads: threads(),
                json: read.flag("json")
            };
        }
        case "bench": {
            const variants = read.string("variants");
            if (variants == null && (values.report != null || values["sweep-tasks"] != null || values["typing-chars"] != null || values["llama-server"] != null))
                throw badArgument("--report, --sweep-tasks, --typing-chars and --llama-server need --variants.");
            if (values["llama-server"] === "")
                throw badArgument("--llama-server needs build, off or the path of a llama-server binary.");
            if ((values.target == null) !== (values.draft == null))
                throw badArgument("bench needs both --target and --draft, or neither (built-in pair).");
            if (variants != null)
                checkVariants(variants);
            const limit = read.optionalInteger("limit", 1, 1_000_000);
            // --limit asks for a quick run: the settings sweep and the typing replay shrink too, unless given.
            const quick = limit != null;
            return {
                command: "bench",
                pair: pairName(read.string("pair"), read.string("target")),
                target: read.string("target"),
                draft: read.string("draft"),
                tasks: read.string("tasks"),
                // The variants run in a BENCH_CONTEXT_SIZE context; plain bench in the engine's default one.
                maxTokens: maxTokensOption(read, variants != null ? BENCH_CONTEXT_SIZE : DEFAULT_CONTEXT_SIZE, DEFAULT_DRAFT_MAX),
                threads: threads(),
                limit,
                json: read.flag("json"),
                ...(variants != null ? { variants } : {}),
                ...(values.report != null ? { report: read.string("report") } : {}),
                sweepTasks: values["sweep-tasks"] == null && quick ? 1 : read.integer("sweep-tasks", 0, 1000),
                typingChars: values["typing-chars"] == null && quick ? 0 : read.integer("typing-chars", 0, 100_000),
                ...(values["llama-server"] != null ? { llamaServer: read.string("llama-server") } : {})
            };
        }
        case "latency": {
            if (values["real-ui"] === true && (values.target != null || (values.pair != null && values.pair !== "code") || values.chains != null || values.json === true || values["compare-layout"] === true || values.debounce != null || values.budget != null || values["max-tokens"] != null || values.threads != null))
                throw badArgument("latency --real-ui takes only --chars, --files and --report (it runs the built-in code pair, threads 1, in code-server + Chromium).");
            if (values["next-edit"] === true && (values["real-ui"] !== true || values.chars != null || values.files != null))
                throw badArgument("latency --next-edit goes with --real-ui and takes only --report (it types renames with the fixture next-edit model in code-server + Chromium).");
            if ((values.target == null) !== (values.draft == null))
                throw badArgument("latency needs both --target and --draft, or neither (built-in pair).");
            return {
                command: "latency",
                pair: pairName(read.string("pair"), read.string("target"), "code"),
                target: read.string("target"),
                draft: read.string("draft"),
                threads: threads(),
                maxTokens: maxTokensOption(read, BENCH_CONTEXT_SIZE, DEFAULT_DRAFT_MAX),
                chars: read.integer("chars", 1, 100_000),
                files: read.integer("files", 1, 4),
                chains: read.integer("chains", 0, 100),
                debounceMs: read.integer("debounce", latencyOptions.debounceMs.setting.minimum, latencyOptions.debounceMs.setting.maximum),
                budgetMs: read.integer("budget", latencyOptions.latencyBudgetMs.setting.minimum, latencyOptions.latencyBudgetMs.setting.maximum),
                compareLayout: read.flag("compare-layout"),
                realUi: read.flag("real-ui"),
                nextEdit: read.flag("next-edit"),
                ...(values.report != null ? { report: read.string("report") } : {}),
                json: read.flag("json")
            };
        }
        case "edit": {
            const target = read.string("target");
            if (target == null)
                throw badArgument("edit needs --target (a next-edit model).");
            if (values.draft != null && values["no-draft"] === true)
                throw badArgument("--draft and --no-draft cannot be used together.");
            const file = read.string("file");
            if (file == null || values.line == null)
                throw badArgument("edit needs --file F and --line N.");
            const draft = read.string("draft");
            const history = read.string("history");
            const draftMax = read.optionalInteger("draft-max", decodingOptions.draftMax.setting.minimum, decodingOptions.draftMax.setting.maximum);
            return {
                command: "edit",
                target,
                ...(draft != null ? { draft } : {}),
                noDraft: read.flag("no-draft"),
                file,
                line: read.integer("line", 1, 100_000_000),
                ...(history != null ? { history } : {}),
                noSpeculative: read.flag("no-speculative"),
                maxTokens: maxTokensOption(read, DEFAULT_CONTEXT_SIZE, draftMax ?? DEFAULT_DRAFT_MAX),
                draftMax,
                threads: threads(),
                json: read.flag("json")
            };
        }
        case "edit-bench": {
            const target = read.string("target");
            const tasks = read.string("tasks");
            if (target == null || tasks == null)
                throw badArgument("edit-bench needs --target (a next-edit model) and --tasks (scripts/make-next-edit-data.py's eval file).");
            const draft = read.string("draft");
            return {
                command: "edit-bench",
                target,
                ...(draft != null ? { draft } : {}),
                tasks,
                limit: read.optionalInteger("limit", 1, 1_000_000),
                maxTokens: maxTokensOption(read, DEFAULT_CONTEXT_SIZE, DEFAULT_DRAFT_MAX),
                threads: threads(),
                json: read.flag("json")
            };
        }
        case "fixtures":
            return { command: "fixtures", out: read.string("out"), large: read.flag("large") };
    }
}

type ParsedValues = Record<string, string | boolean | undefined>;

/** Reads parsed values with the ranges the caller gives and the defaults the option table declares. */
class OptionReader {
    constructor(private readonly values: ParsedValues, private readonly options: OptionTable) {}

    string(name: string): string | undefined {
        const value = this.values[name];
        return typeof value === "string" ? value : undefined;
    }

    flag(name: string): boolean {
        return this.values[name] === true;
    }

    number(name: string, min: number, max: number, why = ""): number {
        return this.read(name, min, max, why, false);
    }

    integer(name: string, min: number, max: number, why = ""): number {
        return this.read(name, min, max, why, true);
    }

    optionalInteger(name: string, min: number, max: number): number | undefined {
        return this.string(name) == null ? undefined : this.integer(name, min, max);
    }

    private read(name: string, min: number, max: number, why: string, whole: boolean): number {
        const raw = this.string(name);
        if (raw == null) {
            const fallback = this.options[name]?.default;
            if (fallback == null)
                throw new Error(`--${name} has no declared default.`);
            return fallback;
        }
        const value = Number(raw);
        if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value)))
            throw badArgument(`--${name} must be a ${whole ? "whole " : ""}number from ${min} to ${max}${why}, got "${raw}".`);
        return value;
    }
}

/** --max-tokens, bounded by what fits the context the command loads (the prompt keeps half of it). */
function maxTokensOption(read: OptionReader, contextSize: number, draftMax: number): number {
    const limit = maxTokensFor(contextSize, draftMax);
    return read.integer("max-tokens", decodingOptions.maxTokens.setting.minimum, limit,
        ` (the most that fits the ${contextSize}-token context, of which the prompt keeps ${Math.round(minPromptShare * 100)} %)`);
}

function checkVariants(spec: string): void {
    try {
        selectVariants(spec, decodingOptions.draftConfidence.default);
    } catch (error) {
        throw badArgument(`--variants: ${error instanceof Error ? error.message : String(error)}.`);
    }
}

/**
 * Joins `--name -5` into `--name=-5` for options that take a value, so a negative number reaches the
 * range check (node:util calls it ambiguous, as it may be a forgotten value followed by an option).
 */
function joinNegativeValues(args: readonly string[], options: OptionTable): string[] {
    const joined: string[] = [];
    for (let index = 0; index < args.length; index++) {
        const arg = args[index];
        const next = args[index + 1];
        if (takesValue(arg, options) && next != null && /^-(\d|\.\d)/.test(next)) {
            joined.push(`${arg}=${next}`);
            index++;
        } else
            joined.push(arg);
    }
    return joined;
}

/** Whether `--help` or `-h` appears as an option (not as the value of one). */
function asksForHelp(args: readonly string[], options: OptionTable): boolean {
    for (let index = 0; index < args.length; index++) {
        if (args[index] === "--help" || args[index] === "-h")
            return true;
        if (takesValue(args[index], options))
            index++;
    }
    return false;
}

function takesValue(arg: string, options: OptionTable): boolean {
    return arg.startsWith("--") && !arg.includes("=") && options[arg.slice(2)]?.type === "string";
}

function parseOptions(command: CommandName, args: string[], options: OptionTable): ParsedValues {
    try {
        const { values } = parseArgs({
            args,
            strict: true,
            allowPositionals: false,
            options: Object.fromEntries(Object.entries(options).map(([name, option]) => [name, { type: option.type }]))
        });
        return values;
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const message = error instanceof Error ? error.message : String(error);
        const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
        if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown != null) {
            const near = nearest(unknown.replace(/^-+/, "").replace(/=.*$/, ""), Object.keys(options));
            throw badArgument(`${command} has no option ${unknown}${near != null ? `; did you mean --${near}?` : "."} (specula ${command} --help lists its options)`);
        }
        // node:util's other messages are readable; keep their hints (e.g. "use '--x=-XYZ'") on the one line.
        throw badArgument(message.split("\n").map((line) => line.trim()).filter((line) => line !== "").join(" "));
    }
}

/** The candidate closest to `word` by edit distance, when close enough to be a typo. */
function nearest(word: string, candidates: readonly string[]): string | undefined {
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const distance = editDistance(word, candidate);
        if (best == null || distance < best.distance)
            best = { candidate, distance };
    }
    return best != null && best.distance <= Math.max(1, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
    const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++) {
            rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
        }
    return rows[a.length][b.length];
}

function isCommandName(name: string): name is CommandName {
    return Object.hasOwn(commands, name);
}

function unknownCommand(name: string): SpeculaError {
    const near = nearest(name, commandNames);
    return badArgument(`unknown command "${name}"${near != null ? `; did you mean ${near}?` : ""} (the commands are ${commandNames.slice(0, -1).join(", ")} and ${commandNames.at(-1)}; specula --help shows them).`);
}

/** `fallback`: the pair without --pair (fixture for complete and bench, code for latency). */
function pairName(raw: string | undefined, target: string | undefined, fallback: BuiltInPairName = "fixture"): BuiltInPairName {
    if (raw == null)
        return fallback;
    if (target != null)
        throw badArgument("--pair and --target cannot be used together.");
    const name = builtInPairNames.find((candidate) => candidate === raw);
    if (name == null)
        throw badArgument(`--pair must be one of ${builtInPairNames.join(", ")}, got "${raw}".`);
    return name;
}

function badArgument(message: string): SpeculaError {
    return new SpeculaError("BAD_ARGUMENT", message);
}
