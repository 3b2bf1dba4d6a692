// `specula latency`: what a user feels, measured through the extension's own completion pipeline
// with the engine in-process. A scripted user types real code (keystroke → suggestion), accepts
// suggestions that match what it is about to write (Tab → next suggestion), and presses Tab three
// times in a row at chosen spots (the prefetch's effect); speculative and target alone, interleaved.
import { debounceRange } from "../completion/latencyOptions";
import { usableContextSize } from "../completion/promptBudget";
import { readFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { measureFirstLines, summarizeFirstLines, type FirstLineSpot, type FirstLineSummary } from "../bench/firstLine";
import { engineBackend, replayTabChain, replayTyping, summarizeReplay, summarizeTabs, type ReplayRun, type ReplaySettings, type ReplaySummary, type TabPress } from "../bench/typingReplay";
import type { SpeculativeEngine } from "../engine/SpeculativeEngine";
import { normalizeCodeText } from "../fixtures/codeCorpus";
import { findPackageDir } from "./makeBenchTasks";

export interface LatencyBenchOptions {
    readonly pairLabel: string;
    readonly threads: number;
    readonly contextSize: number;
    readonly maxTokens: number;
    readonly maxLines: number;
    /** Characters typed per file. */
    readonly chars: number;
    readonly files: readonly string[];
    /** Normalise the typed files' whitespace as the fixture corpus is (for the fixture pairs, not for models trained on code as written). */
    readonly normalizeText: boolean;
    readonly debounceMs: number;
    readonly latencyBudgetMs: number;
    /** Spots per file for the Tab-Tab-Tab chains. */
    readonly chainStarts: number;
    /**
     * Also type with prompts laid out the classic PSM way (everything before the cursor before the
     * suffix): how many prompt tokens a keystroke re-processes without the middle head. For PSM models.
     */
    readonly compareClassicLayout?: boolean;
    readonly report?: string;
    readonly log: (line: string) => void;
}

export interface LatencyBenchResult {
    readonly options: Omit<LatencyBenchOptions, "log">;
    readonly typing: { readonly speculative: ReplaySummary; readonly targetOnly: ReplaySummary; readonly classicLayout?: ReplaySummary; readonly runs: Record<string, ReplayRun[]> };
    readonly chains: Record<string, ReturnType<typeof summarizeTabs> & { readonly presses: readonly TabPress[] }>;
    /** Asking at the start of a line → the first complete line, speculative and target alone (prompt warm). */
    readonly firstLines: FirstLineSummary;
    readonly wallMs: number;
    readonly load: readonly number[];
}

const modes = {
    speculative: { speculative: true, prefetch: true },
    targetOnly: { speculative: false, prefetch: true },
    classicLayout: { speculative: true, prefetch: true, maxMiddleChars: 0 }
} as const;

export async function runLatencyBench(engine: SpeculativeEngine, options: LatencyBenchOptions): Promise<LatencyBenchResult> {
    const started = performance.now();
    const load = os.loadavg();
    // Prompts are planned for the context the engine has (a model's training context may cap the asked one), as the extension does.
    const contextSize = usableContextSize(options.contextSize, engine.info.contextSize);
    const settings = (prefetch: boolean, maxMiddleChars?: number): ReplaySettings => ({
        maxTokens: options.maxTokens, maxLines: options.maxLines, contextSize,
        debounceMs: options.debounceMs, latencyBudgetMs: options.latencyBudgetMs, prefetch,
        ...(maxMiddleChars != null ? { maxMiddleChars } : {})
    });
    const runs: Record<keyof typeof modes, ReplayRun[]> = { speculative: [], targetOnly: [], classicLayout: [] };
    for (const [index, file] of options.files.entries()) {
        const input = typingInput(file, options.normalizeText, options.chars, index + 1);
        const names: Array<keyof typeof modes> = ["speculative", "targetOnly", ...(options.compareClassicLayout === true ? ["classicLayout" as const] : [])];
        for (const mode of index % 2 === 0 ? names : [...names].reverse()) {
            await engine.clearCache();
            const variant: { speculative: boolean; prefetch: boolean; maxMiddleChars?: number } = modes[mode];
            const run = await replayTyping(engineBackend(engine, variant.speculative), input, settings(variant.prefetch, variant.maxMiddleChars));
            runs[mode].push(run);
            const summary = summarizeReplay(run.waited, run.tabs);
            options.log(`${path.basename(file)} ${mode}: keystroke → suggestion p50 ${fmt(summary.keystrokeToSuggestion.p50Ms)} p95 ${fmt(summary.keystrokeToSuggestion.p95Ms)} ms (${summary.served}/${run.waited.length} served); Tab → next p50 ${fmt(summary.tabToNext.p50Ms)} ms over ${run.tabs.length} accepts, ${summary.readyAfterAccept} ready; ${run.acceptedChars} of ${run.acceptedChars + run.typedChars} characters accepted`);
        }
    }
    const chainVariants = {
        "speculative, prefetch on": { speculative: true, prefetch: true },
        "speculative, prefetch off": { speculative: true, prefetch: false },
        "target alone, prefetch on": { speculative: false, prefetch: true }
    } as const;
    const chains: Record<string, TabPress[]> = {};
    for (const [index, file] of options.files.entries()) {
        const text = readTypedFile(file, options.normalizeText);
        const starts = chainStarts(text, options.chainStarts, index);
        const names = Object.keys(chainVariants) as Array<keyof typeof chainVariants>;
        for (const name of index % 2 === 0 ? names : [...names].reverse()) {
            await engine.clearCache();
            const variant = chainVariants[name];
            const presses = await replayTabChain(engineBackend(engine, variant.speculative), { document: text, starts, presses: 3 }, settings(variant.prefetch));
            (chains[name] ??= []).push(...presses);
        }
    }
    for (const [name, presses] of Object.entries(chains)) {
        const summary = summarizeTabs(presses);
        options.log(`Tab chains, ${name}: Tab → next p50 ${fmt(summary.tabToNext.p50Ms)} p95 ${fmt(summary.tabToNext.p95Ms)} ms over ${summary.tabToNext.count} presses, ${summary.readyAfterAccept} ready; nothing to show after ${summary.nothingAfterAccept}`);
    }
    const spots: FirstLineSpot[] = options.files.flatMap((file, index) => {
        const text = readTypedFile(file, options.normalizeText);
        return lineStarts(text, Math.max(4, options.chainStarts * 2), index);
    });
    const firstLines = summarizeFirstLines(await measureFirstLines(engine, spots, options.maxTokens));
    options.log(`First line at ${firstLines.spots} line starts: speculative p50 ${fmt(firstLines.speculative.p50Ms)} p95 ${fmt(firstLines.speculative.p95Ms)} ms, target alone p50 ${fmt(firstLines.targetAlone.p50Ms)} p95 ${fmt(firstLines.targetAlone.p95Ms)} ms (${firstLines.ratio.toFixed(2)}×, by CPU time ${firstLines.cpuRatio.toFixed(2)}×); same line ${firstLines.identical} of ${firstLines.spots}`);
    const result: LatencyBenchResult = {
        options: { ...options, contextSize, log: undefined } as unknown as LatencyBenchResult["options"],
        typing: {
            speculative: summarizeReplay(runs.speculative.flatMap((run) => run.waited), runs.speculative.flatMap((run) => run.tabs)),
            targetOnly: summarizeReplay(runs.targetOnly.flatMap((run) => run.waited), runs.targetOnly.flatMap((run) => run.tabs)),
            ...(runs.classicLayout.length > 0 ? { classicLayout: summarizeReplay(runs.classicLayout.flatMap((run) => run.waited), runs.classicLayout.flatMap((run) => run.tabs)) } : {}),
            runs
        },
        chains: Object.fromEntries(Object.entries(chains).map(([name, presses]) => [name, { ...summarizeTabs(presses), presses }])),
        firstLines,
        wallMs: performance.now() - started,
        load
    };
    if (options.report != null) {
        await fs.mkdir(path.dirname(options.report), { recursive: true });
        await fs.writeFile(options.report, formatLatencyMarkdown(result));
        await fs.writeFile(options.report.replace(/\.md$/, "") + ".json", JSON.stringify(result, null, 1));
        options.log(`wrote ${options.report}`);
    }
    return result;
}

/** The Tab-Tab-Tab summaries without each press, for --json. */
export function chainSummaries(chains: LatencyBenchResult["chains"]): Record<string, unknown> {
    return Object.fromEntries(Object.entries(chains).map(([name, chain]) => [name, { ...chain.tabToNext, ready: chain.readyAfterAccept, nothing: chain.nothingAfterAccept }]));
}

/** The files typed in the replay: vscode-jsonrpc sources (held out from the fixture corpus). */
export function latencyFiles(count: number): string[] {
    const dir = path.join(findPackageDir("vscode-jsonrpc"), "lib", "common");
    return ["linkedMap.js", "events.js", "messageBuffer.js", "cancellation.js"].slice(0, count).map((name) => path.join(dir, name));
}

/** The user writes `chars` characters from a line start about 900 characters into the file; the rest of the file is there. */
function typingInput(file: string, normalize: boolean, chars: number, seed: number): { document: string; offset: number; realText: string; seed: number } {
    const text = readTypedFile(file, normalize);
    const start = text.indexOf("\n", 900) + 1;
    const realText = text.slice(start, start + chars);
    return { document: text.slice(0, start) + text.slice(start + chars), offset: start, realText, seed };
}

function readTypedFile(file: string, normalize: boolean): string {
    const text = readFileSync(file, "utf8").replace(/\r\n?/g, "\n");
    return normalize ? normalizeCodeText(text) : text;
}

/**
 * Spots where a user has just started a line (after its indentation) and waits for the model to write
 * it: the prefix ends at the indentation, the suffix is everything after that line. Spread as chainStarts.
 */
function lineStarts(text: string, count: number, seed: number): FirstLineSpot[] {
    return chainStarts(text, count, seed).flatMap((newline) => {
        const lineEnd = text.indexOf("\n", newline + 1);
        const line = text.slice(newline + 1, lineEnd < 0 ? text.length : lineEnd);
        if (line.trim().length === 0 || lineEnd < 0)
            return [];
        const indent = line.length - line.trimStart().length;
        return [{ prefix: text.slice(0, newline + 1 + indent), suffix: text.slice(lineEnd) }];
    });
}

/** Line ends well into the file, spread out: where a user stops and lets the model continue. */
function chainStarts(text: string, count: number, seed: number): number[] {
    const ends = [...text.matchAll(/\n/g)].map((match) => match.index!).filter((index) => index > 900 && index < text.length - 400);
    const starts: number[] = [];
    for (let i = 0; i < count && ends.length > 0; i++)
        starts.push(ends[Math.floor(((i + 0.5 + seed * 0.37) / count) * ends.length) % ends.length]!);
    return starts;
}

function fmt(value: number | undefined): string {
    return value == null ? "—" : Number.isFinite(value) ? `${Math.round(value)}` : "∞";
}

function pct(part: number, whole: number): string {
    return whole > 0 ? `${Math.round((part / whole) * 100)} %` : "—";
}

export function formatLatencyMarkdown(result: LatencyBenchResult): string {
    const { options, typing, chains } = result;
    const lines: string[] = [];
    lines.push(`### ${options.pairLabel}`, "");
    lines.push(`threads ${options.threads}, context ${options.contextSize}, up to ${options.maxTokens} tokens and ${options.maxLines} lines per suggestion, debounce ${options.debounceMs}–${options.debounceMs * debounceRange} ms (adaptive), latency budget ${options.latencyBudgetMs} ms; ${options.files.length} files × ${options.chars} characters typed; load average at start ${result.load.map((value) => value.toFixed(2)).join(", ")}; wall time ${(result.wallMs / 60000).toFixed(1)} min.`, "");
    lines.push("| mode | waited-on keys | served | keystroke → suggestion p50 / p95 ms | accepts (nothing to show after) | Tab → next p50 / p95 ms | next ready after accept | first lines shown early: exact |", "|---|--:|--:|--:|--:|--:|--:|--:|");
    const rows = [["speculative (product default)", typing.speculative], ["target alone", typing.targetOnly], ...(typing.classicLayout != null ? [["speculative, classic PSM layout (no middle head)", typing.classicLayout]] : [])] as Array<[string, ReplaySummary]>;
    for (const [name, summary] of rows)
        lines.push(`| ${name} | ${summary.keystrokeToSuggestion.count} | ${summary.served} | ${fmt(summary.keystrokeToSuggestion.p50Ms)} / ${fmt(summary.keystrokeToSuggestion.p95Ms)} | ${summary.tabToNext.count + summary.nothingAfterAccept} (${summary.nothingAfterAccept}) | ${fmt(summary.tabToNext.p50Ms)} / ${fmt(summary.tabToNext.p95Ms)} | ${pct(summary.readyAfterAccept, summary.tabToNext.count)} | ${summary.firstLines.exact} of ${summary.firstLines.shown} |`);
    lines.push("");
    lines.push("Where a waited-on key's time goes when a new generation served it (medians, ms): *debounce* keystroke → request; *queue* waiting for the backend (an aborted request finishing its round); *prompt* processing the prompt tokens not already cached; *decode* until the piece was shown.", "");
    lines.push("| mode | debounce | queue | prompt | new prompt tokens (of) | decode | served by new / live / prefetch / cache; timed out; nothing to show |", "|---|--:|--:|--:|--:|--:|---|");
    for (const [name, summary] of rows) {
        const split = summary.medianSplit;
        const count = (source: string) => summary.bySource[source] ?? 0;
        const sources = `${["new", "live", "prefetch", "cache"].map(count).join(" / ")}; ${count("timeout")}; ${count("nothing")}`;
        lines.push(split != null
            ? `| ${name} | ${fmt(split.debounceMs)} | ${fmt(split.queueMs)} | ${fmt(split.promptMs)} | ${Math.round(split.newPromptTokens)} (${Math.round(split.promptTokens)}) | ${fmt(split.decodeMs)} | ${sources} |`
            : `| ${name} | — | — | — | — | — | ${sources} |`);
    }
    lines.push("");
    lines.push("Tab-Tab-Tab: at spots spread over each file the user waits for a suggestion, then accepts whatever shows three times in a row, reading each for 400 ms. Latency and \"next ready\" are over the presses after which the model had something to show (a press that got nothing within the 2 s pause counts as ∞ and not ready); *nothing to show* counts the presses after which the pipeline answered that it had no suggestion.", "");
    lines.push("| variant | presses | nothing to show | Tab → next p50 / p95 ms | next ready |", "|---|--:|--:|--:|--:|");
    for (const [name, chain] of Object.entries(chains))
        lines.push(`| ${name} | ${chain.tabToNext.count + chain.nothingAfterAccept} | ${chain.nothingAfterAccept} | ${fmt(chain.tabToNext.p50Ms)} / ${fmt(chain.tabToNext.p95Ms)} | ${pct(chain.readyAfterAccept, chain.tabToNext.count)} |`);
    lines.push("");
    const first = result.firstLines;
    lines.push(`First complete line: at ${first.spots} line starts (prompt already in the cache, as after the editor's warm-up) one request for one line, speculative and target alone alternating; same line from both at ${first.identical} of ${first.spots}.`, "");
    lines.push("| mode | first line p50 / p95 ms |", "|---|--:|");
    lines.push(`| speculative | ${fmt(first.speculative.p50Ms)} / ${fmt(first.speculative.p95Ms)} |`, `| target alone | ${fmt(first.targetAlone.p50Ms)} / ${fmt(first.targetAlone.p95Ms)} |`, `| ratio (goal ≤ 0.80) | ${first.ratio.toFixed(2)} (by CPU time ${first.cpuRatio.toFixed(2)}) |`, "");
    return `${lines.join("\n")}\n`;
}
