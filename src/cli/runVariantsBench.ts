import { readFileSync, statSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { BatchCostCurve, fullAcceptanceLimit } from "../bench/analytic";
import { LlamaServerPeer, type NativeMode } from "../bench/LlamaServerPeer";
import { locateLlamaServer } from "../bench/locateLlamaServer";
import { PeerPredictorRunner, type PeerSettings } from "../bench/PeerPredictorRunner";
import { formatCeilingTable, formatPerTaskTable, formatVariantsTable, nearTiesPhrase, pct, renderSpeedupChart, variantRows, type VariantRow } from "../bench/report";
import { measureBatchCosts, runVariants, sweepPeer, totalsByVariant, type VariantsTaskResult } from "../bench/runVariants";
import { latencyOptions } from "../completion/latencyOptions";
import { findPackageDir } from "./makeBenchTasks";
import { findPackageRoot } from "../fixtures/generateFixtures";
import { chainSummaries, formatLatencyMarkdown, latencyFiles, runLatencyBench, type LatencyBenchResult } from "./runLatencyBench";
import { selectVariants, type VariantId, type VariantSpec } from "../bench/variants";
import { TokenPool } from "../engine/drafters/TokenPool";
import type { SpeculativeEngine } from "../engine/SpeculativeEngine";
import type { Token } from "../engine/llamaTypes";
import type { BenchTask } from "./runBench";

export interface VariantsBenchOptions {
    readonly variants: string;
    readonly maxTokens: number;
    readonly threads: number;
    readonly report?: string;
    readonly sweepTasks: number;
    readonly typingChars: number;
    readonly targetPath: string;
    readonly draftPath: string;
    readonly contextSize: number;
    readonly command: string;
    /** Which models these are, for the report ("the large fixture pair — …"). */
    readonly modelsDescription: string;
    /** Normalise the typed file's whitespace as the fixture corpus is (for the fixture pair). */
    readonly normalizeText: boolean;
    /**
     * Where llama.cpp's own server comes from for the native rows: "build" runs
     * scripts/build-llama-server.sh (finds its cached build, else builds it once), "off" leaves the rows
     * out, anything else is the binary's path. Defaults to "build".
     */
    readonly llamaServer?: string;
    /** Print the results as JSON (rows, batch costs, typing summaries) through `writeJson`. */
    readonly json?: boolean;
    readonly writeJson?: (text: string) => void;
    readonly log: (line: string) => void;
}

/** What the report says about the native rows: the binary and its flags, or why there are none. */
interface NativeSetup {
    readonly binary?: string;
    readonly args: Partial<Record<NativeMode, readonly string[]>>;
    readonly problems: string[];
}

const peerCandidates: PeerSettings[] = [
    { minTokens: 0, maxTokens: 16, minConfidence: 0.6 },
    { minTokens: 0, maxTokens: 4, minConfidence: 0 },
    { minTokens: 1, maxTokens: 2, minConfidence: 0 },
    { minTokens: 1, maxTokens: 1, minConfidence: 0 },
    { minTokens: 2, maxTokens: 2, minConfidence: 0 },
    { minTokens: 4, maxTokens: 4, minConfidence: 0 }
];

/** issue 5: every variant side by side, the analytic limit, the typing session, and the written report. Returns the exit code. */
export async function runVariantsBench(engine: SpeculativeEngine, tasks: readonly BenchTask[], options: VariantsBenchOptions): Promise<number> {
    const started = performance.now();
    const log = options.log;
    const defaultConfidence = engine.decodingOptions.draftConfidence;
    const productDefaults = { ...engine.decodingOptions };
    let variants = selectVariants(options.variants, defaultConfidence);
    const load = os.loadavg();
    log(`load average at start: ${load.map((value) => value.toFixed(2)).join(", ")}`);
    const natives = new Map<NativeMode, LlamaServerPeer>();
    const nativeSetup = await startNatives(variants, options, natives);
    variants = variants.filter((variant) => variant.native == null || natives.has(variant.native));
    const onNativeFailure = (mode: NativeMode, error: unknown) => {
        const line = `llama-server (${mode}) failed and is left out from here on: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
        nativeSetup.problems.push(line);
        log(line);
    };
    const peer = await PeerPredictorRunner.load({ targetPath: options.targetPath, draftPath: options.draftPath, contextSize: options.contextSize, threads: options.threads });
    try {
        // 1. The peer's best settings, on tasks not used for the main table.
        const sweepTasks = tasks.slice(tasks.length - options.sweepTasks);
        const mainTasks = tasks.slice(0, tasks.length - options.sweepTasks);
        let peerSettings = peerCandidates[0];
        let sweep: Awaited<ReturnType<typeof sweepPeer>> = [];
        if (variants.some((variant) => variant.id === "peer") && sweepTasks.length > 0) {
            sweep = await sweepPeer(engine, peer, peerCandidates, sweepTasks, options.maxTokens);
            peerSettings = sweep[0].settings;
            for (const entry of sweep)
                log(`peer sweep ${JSON.stringify(entry.settings)}: ${(entry.tokens / entry.decodeMs * 1000).toFixed(1)} tok/s, ${(entry.targetMs / entry.decodeMs).toFixed(2)}x target, acceptance ${pct(entry.acceptance)}${entry.exact ? "" : " MISMATCH"}`);
        }

        // 2. Warm the adaptive controllers (and llama-server's n-gram pools) on the sweep tasks (not
        // counted), then the side-by-side run.
        // Each engine variant drafts from its own pool, so no variant copies another's output for the same task.
        const pools = new Map<VariantId, TokenPool>();
        await runVariants(engine, undefined, peerSettings, variants.filter((variant) => variant.engine != null || variant.native != null), sweepTasks.slice(0, 2), {
            maxTokens: options.maxTokens, natives, onNativeFailure, pools
        });
        const results = await runVariants(engine, peer, peerSettings, variants, mainTasks, {
            maxTokens: options.maxTokens,
            natives,
            onNativeFailure,
            pools,
            onTask: (result, index) => log(formatTaskLine(result, index, mainTasks.length))
        });

        // 3. Batch-cost curve at a typical context length (the median prompt), and the draft's cost.
        const promptLengths = results.map((result) => result.promptTokens).sort((a, b) => a - b);
        const typicalTask = mainTasks.find((_task, index) => results[index].promptTokens === promptLengths[Math.floor(promptLengths.length / 2)]) ?? mainTasks[0];
        const typicalRequest = { prefix: typicalTask.prefix, suffix: typicalTask.suffix, maxTokens: options.maxTokens };
        const continuation = (await engine.complete({ ...typicalRequest, speculative: false })).tokens as Token[];
        const costs = await measureBatchCosts(peer, engine.promptTokens(typicalRequest), continuation, 9, 9);
        const curve = new BatchCostCurve(costs.targetMs);
        log(`batch costs at ${costs.contextTokens} tokens of context: ${costs.targetMs.map((point) => `${point.size}:${point.ms.toFixed(1)}`).join(" ")} ms; draft ${costs.draftMsPerToken.toFixed(2)} ms/token; prompt processing ${costs.prefillMsPerToken.toFixed(2)} ms/token`);

        const totals = totalsByVariant(results, variants);
        const rows = variantRows(totals, variants, { target: curve, draftMsPerToken: costs.draftMsPerToken });
        // llama-server's rows are compared with Specula's target alone and reported, but a different
        // build's arithmetic may break a near-tie differently; only Specula's own mismatches fail the run.
        const mismatches = rows.filter((row) => !row.native).reduce((sum, row) => sum + row.mismatches, 0);
        for (const row of rows)
            log(`${row.id.padEnd(9)} ${row.tokensPerSecond.toFixed(1).padStart(6)} tok/s ${row.speedup.toFixed(2)}x (cpu ${row.cpuSpeedup?.toFixed(2) ?? "-"}x) acceptance ${pct(row.acceptanceRate)} tok/eval ${row.tokensPerTargetEval.toFixed(2)} expected ${row.expectedSpeedup?.toFixed(2) ?? "-"} ${row.mismatches > 0 ? `MISMATCH ${row.mismatchedIds.join(",")}` : row.nearTies > 0 ? `exact up to ${nearTiesPhrase(row.nearTies)} (${row.nearTieIds.join(",")})` : "exact"}`);

        // 4. What a user feels: the typing replay through the extension's completion pipeline, with the
        // product's settings (the variants above changed them) and a fresh pool.
        let typing: LatencyBenchResult | undefined;
        if (options.typingChars > 0) {
            engine.setDecodingOptions(productDefaults);
            engine.usePool(new TokenPool());
            typing = await runLatencyBench(engine, {
                pairLabel: `${path.basename(options.targetPath)} + ${path.basename(options.draftPath)}`,
                threads: options.threads, contextSize: options.contextSize, maxTokens: options.maxTokens, maxLines: 8,
                chars: options.typingChars, files: latencyFiles(2), normalizeText: options.normalizeText, debounceMs: latencyOptions.debounceMs.default, latencyBudgetMs: latencyOptions.latencyBudgetMs.default, chainStarts: 4, log
            });
        }

        const wallMs = performance.now() - started;
        if (options.report != null) {
            const chartPath = path.join(path.dirname(options.report), "benchmarks-speedup.svg");
            const chartRows = rows.filter((row) => row.id.startsWith("k"));
            const hybrid = rows.find((row) => row.id === "hybrid");
            const peerRow = rows.find((row) => row.id === "peer");
            const adaptive = rows.find((row) => row.id === "adaptive");
            const svg = renderSpeedupChart(
                chartRows.map((row) => ({ k: Number(row.id.slice(1)), measured: row.speedup, expected: row.expectedSpeedup, acceptance: row.acceptanceRate })),
                [
                    ...(hybrid != null ? [{ label: "hybrid", speedup: hybrid.speedup }] : []),
                    ...(adaptive != null ? [{ label: "adaptive K", speedup: adaptive.speedup }] : []),
                    ...(peerRow != null ? [{ label: "node-llama-cpp", speedup: peerRow.speedup }] : []),
                    { label: "target 2.5×", speedup: 2.5, dashed: true }
                ],
                `Speedup vs K, ${results.length} tasks, threads ${options.threads}, ${options.maxTokens} tokens each`
            );
            await fs.mkdir(path.dirname(options.report), { recursive: true });
            await fs.writeFile(chartPath, svg);
            await fs.writeFile(options.report, formatMarkdown({
                options, rows, results, curve, costs, sweep, peerSettings, typing, wallMs, load, endLoad: os.loadavg(),
                chartFile: path.basename(chartPath), defaultConfidence, nativeSetup
            }));
            await fs.writeFile(options.report.replace(/\.md$/, "") + ".json", JSON.stringify({ rows, costs, sweep, typing, tasks: results }, null, 1));
            log(`wrote ${options.report} and ${chartPath}`);
        }
        log(`bench finished in ${(wallMs / 60000).toFixed(1)} min; ${mismatches} mismatches`);
        if (options.json === true)
            options.writeJson?.(JSON.stringify({ rows, costs, typing: typing != null ? { speculative: typing.typing.speculative, targetOnly: typing.typing.targetOnly, chains: chainSummaries(typing.chains) } : undefined, mismatches }, null, 1));
        return mismatches > 0 ? 1 : 0;
    } finally {
        await peer.dispose();
        for (const server of natives.values())
            await server.dispose();
    }
}

/**
 * Starts one llama-server per selected native mode. A missing or failed build, or a server that does
 * not start, is one log line and one line in the report; the bench goes on without those rows.
 */
async function startNatives(variants: readonly VariantSpec[], options: VariantsBenchOptions, natives: Map<NativeMode, LlamaServerPeer>): Promise<NativeSetup> {
    const modes = variants.flatMap((variant) => variant.native != null ? [variant.native] : []);
    const setup: NativeSetup = { args: {}, problems: [] };
    if (modes.length === 0)
        return setup;
    const how = options.llamaServer ?? "build";
    if (how === "off") {
        setup.problems.push("llama-server rows left out (--llama-server off).");
        return setup;
    }
    let binary: string;
    if (how === "build") {
        const located = await locateLlamaServer("build", options.log);
        if ("reason" in located) {
            const line = `llama-server is not available, so its rows are left out: ${located.reason}`;
            options.log(line);
            setup.problems.push(line);
            return setup;
        }
        binary = located.binary;
    } else
        binary = how;
    (setup as { binary?: string }).binary = binary;
    for (const mode of modes)
        try {
            const server = await LlamaServerPeer.start({
                binary, mode, targetPath: options.targetPath, draftPath: options.draftPath, contextSize: options.contextSize, threads: options.threads
            });
            natives.set(mode, server);
            setup.args[mode] = server.args;
            options.log(`llama-server (${mode}) ready at ${server.baseUrl}`);
        } catch (error) {
            const line = `llama-server (${mode}) did not start, so its row is left out: ${error instanceof Error ? error.message.split("\n").slice(0, 3).join(" | ") : String(error)}`;
            options.log(line);
            setup.problems.push(line);
        }
    return setup;
}

function formatTaskLine(result: VariantsTaskResult, index: number, count: number): string {
    const reference = result.runs.target;
    const parts = Object.entries(result.runs).map(([id, run]) => {
        const speed = reference != null && run.decodeMs > 0 ? (reference.decodeMs / Math.max(1, reference.tokens)) / (run.decodeMs / Math.max(1, run.tokens)) : 0;
        return `${id} ${speed.toFixed(2)}x${run.identical ? "" : run.nearTie === true ? " (near tie)" : " MISMATCH"}`;
    });
    return `[${index + 1}/${count}] ${result.id} (${result.promptTokens} prompt tokens): ${parts.join(", ")}`;
}

function fmtMs(value: number | undefined): string {
    return value == null ? "—" : Number.isFinite(value) ? `${Math.round(value)}` : "∞";
}

function formatMarkdown(input: {
    options: VariantsBenchOptions;
    rows: VariantRow[];
    results: VariantsTaskResult[];
    curve: BatchCostCurve;
    costs: { targetMs: Array<{ size: number; ms: number }>; draftMsPerToken: number; contextTokens: number; prefillMsPerToken: number };
    sweep: Awaited<ReturnType<typeof sweepPeer>>;
    peerSettings: PeerSettings;
    typing: LatencyBenchResult | undefined;
    wallMs: number;
    load: number[];
    endLoad: number[];
    chartFile: string;
    defaultConfidence: number;
    nativeSetup: NativeSetup;
}): string {
    const { options, rows, results, curve, costs, sweep, typing } = input;
    const row = (id: string) => rows.find((candidate) => candidate.id === id);
    const best = rows.filter((candidate) => candidate.id !== "target" && candidate.id !== "peer" && !candidate.native).sort((a, b) => b.speedup - a.speedup)[0];
    const nativeRows = rows.filter((candidate) => candidate.native);
    const bestNative = [...nativeRows].sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
    const peerRow = row("peer");
    const hybrid = row("hybrid");
    const mismatches = rows.filter((candidate) => !candidate.native).reduce((sum, candidate) => sum + candidate.mismatches, 0);
    const nativeMismatches = nativeRows.reduce((sum, candidate) => sum + candidate.mismatches, 0);
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const limit = fullAcceptanceLimit(curve, costs.draftMsPerToken);
    const efficiencies = rows.filter((candidate) => candidate.efficiency != null && candidate.id !== "target" && candidate.id !== "peer");
    const lines: string[] = [];
    lines.push("# Benchmarks", "");
    lines.push(`Generated on ${new Date().toISOString().slice(0, 10)} by the CLI's \`bench --variants ${options.variants}\`${options.variants.trim() === "all" ? " (`npm run bench`)" : ""}; every number on this page comes from one run. Do not edit by hand.`, "");
    lines.push("## Machine and run", "");
    lines.push(`- ${cpu}, ${os.cpus().length} vCPU, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}, node-llama-cpp ${installedVersion("node-llama-cpp")} (CPU build).`);
    lines.push(`- Models: ${options.modelsDescription}.`);
    lines.push(`- threads ${options.threads}, context ${options.contextSize}, greedy, ${options.maxTokens} tokens per task (fewer at an end-of-generation token), ${results.length} FIM tasks cut from vscode-jsonrpc's lib/common/*.js${options.normalizeText ? ", whitespace-normalised" : ""} (held out from the models' corpora), ${options.sweepTasks} more tasks for the peer's settings sweep and warm-up.`);
    lines.push(`- Load average (1, 5, 15 min) at start ${input.load.map((value) => value.toFixed(2)).join(", ")}, at end ${input.endLoad.map((value) => value.toFixed(2)).join(", ")}; the machine is shared with other test runs, so absolute tok/s drift; ratios are measured interleaved (each task runs every variant back to back, in an order that rotates from task to task).`);
    lines.push(`- Wall time of the whole run: ${(input.wallMs / 60000).toFixed(1)} min.`, "");
    lines.push("Reproduce:", "", ...reproduceBlock(benchScript()), "");
    lines.push("Speeds are decoding speeds: prompt processing is excluded (it is the same for every variant, and the variants of one task share the prompt's KV cache). *Exact* means token-for-token the output of target-alone greedy decoding; a mismatch fails the run.", "");
    lines.push("## Results", "");
    lines.push(formatVariantsTable(rows), "");
    lines.push(`![Speedup vs K](${input.chartFile})`, "");
    lines.push(`<details><summary>Per task: speedup over target alone on each of the ${results.length} tasks</summary>`, "", formatPerTaskTable(results, rows.map((candidate) => candidate.id)), "", "</details>", "");
    lines.push(`*α* is the per-token acceptance that explains the measured acceptance rate at the variant's (mean) draft length (acceptance rate = accepted ÷ drafted counts the drafts after a rejection as rejected too, so at K = 8 it is far below α). *Expected* is the standard formula E[tokens] = (1−α^(K+1))/(1−α) per round at cost K·c_draft + c_target(K+1), over c_target(1) per token for target alone, with the batch costs measured below. The peer commits at most one prediction per target batch (the bug in the notes), so the formula does not describe it; its tokens per target eval are estimated as tokens − predictions used. *Time* splits each variant's decoding time into draft-model evals, target evals, and everything else (loop, bookkeeping, cache erases, awaits).`, "");
    lines.push(`Peer settings: \`DraftSequenceTokenPredictor\` with \`${JSON.stringify(input.peerSettings)}\`, the best of a sweep on ${options.sweepTasks} tasks:`, "");
    lines.push("| settings | tok/s | vs target alone | acceptance | exact |", "|---|--:|--:|--:|---|");
    for (const entry of sweep)
        lines.push(`| \`${JSON.stringify(entry.settings)}\` | ${(entry.tokens / entry.decodeMs * 1000).toFixed(1)} | ${(entry.targetMs / entry.decodeMs).toFixed(2)}× | ${pct(entry.acceptance)} | ${entry.exact ? "yes" : "**no**"} |`);
    lines.push("");
    lines.push(...formatNativeSection(input.nativeSetup, nativeRows, hybrid, results.length));
    lines.push(`## The analytic limit: what the batch-cost curve allows`, "");
    lines.push(`Target cost of one \`controlledEvaluate\` batch of b tokens (each asking for a prediction, as a verification does) after ${costs.contextTokens} tokens of context (the median task prompt), median of 9 interleaved runs; draft cost ${costs.draftMsPerToken.toFixed(2)} ms per token:`, "");
    lines.push(formatCeilingTable(curve, costs.draftMsPerToken, [0.6, 0.7, 0.8, 0.9, 0.95, 1], 8), "");
    const slope = (curve.ms(9) - curve.ms(1)) / 8;
    lines.push(`Each extra verified token costs about ${slope.toFixed(1)} ms (the curve's slope from 1 to 9) against ${curve.ms(1).toFixed(1)} ms for a single eval (${(slope / curve.ms(1) * 100).toFixed(0)} %). Extrapolating that slope, even a drafter that is always right tends to ${limit.toFixed(2)}× with unbounded K on this CPU; that is the ceiling every variant is measured against.`, "");
    lines.push(`Why extra tokens are that expensive: processing the ${costs.contextTokens - 1}-token prompt, in batches of up to 512, cost ${costs.prefillMsPerToken.toFixed(1)} ms per token — the least a token of this model costs on this CPU with one thread, however big the batch, because the Q8_0 matrix products are compute-bound once a batch holds more than one token. A single-token eval costs ${curve.ms(1).toFixed(1)} ms because it also streams all ${(statSync(options.targetPath).size / 1e6).toFixed(0)} MB of weights from memory for that one token. So even with batches as large as prompt processing's, all accepted, speculation could not exceed ${curve.ms(1).toFixed(1)} ÷ ${costs.prefillMsPerToken.toFixed(1)} = ${(curve.ms(1) / Math.max(1e-9, costs.prefillMsPerToken)).toFixed(2)}× here. (On a GPU, where a batch of 9 costs about what one token does, tokens per target eval turn into speedup almost one for one.)`, "");
    if (typing != null) {
        lines.push("## Latency while typing: what a user feels", "");
        lines.push(`A scripted user writes real code (vscode-jsonrpc sources, held out from the fixtures' corpus) in real time through the extension's own completion pipeline (src/completion/CompletionPipeline: cache, live generations, adaptive debounce, streamed first line, latency budget, prefetch), with the engine in-process (in the extension it sits behind the engine host's JSON-RPC, about a millisecond more). Keys come ~130 ms apart (jittered); at every line end and after ~15 % of words the user pauses up to 2 s and looks at the suggestion: when it matches what the user is about to write, Tab (the whole suggestion, or its matching whole words); otherwise the user types on. Before typing, the prompt is warmed as the extension does when a file comes to the front. *Keystroke → suggestion*: the last key before a pause → a suggestion shown (∞ when none showed within the pause). *Tab → next*: accept → the next suggestion shown. *Ready*: the next suggestion came from a prefetch, the cache or a running generation rather than a new one. *First lines shown early: exact*: a first line shown while its block was still decoding, compared with the whole suggestion's first line once it ended.`, "");
        lines.push(formatLatencyMarkdown(typing));
    }
    lines.push("## Where we stand vs the targets", "");
    const ratio = (a: number | undefined, b: number | undefined) => a != null && b != null && b > 0 ? a / b : undefined;
    const typingRatio = typing != null ? ratio(typing.typing.speculative.keystrokeToSuggestion.p50Ms, typing.typing.targetOnly.keystrokeToSuggestion.p50Ms) : undefined;
    const verdict = (ok: boolean) => ok ? "**met**" : "**not met**";
    lines.push("| target | measured | verdict |", "|---|---|---|");
    if (best != null)
        lines.push(`| ≥ 2.5× target alone | best: ${best.label} ${best.speedup.toFixed(2)}×${hybrid != null && hybrid !== best ? `; product default (hybrid) ${hybrid.speedup.toFixed(2)}×` : ""} | ${verdict(best.speedup >= 2.5)} |`);
    if (peerRow != null && best != null)
        lines.push(`| ≥ 1.5× node-llama-cpp's DraftSequenceTokenPredictor | best ${ratio(best.speedup, peerRow.speedup)!.toFixed(2)}×${hybrid != null ? `, hybrid ${ratio(hybrid.speedup, peerRow.speedup)!.toFixed(2)}×` : ""} (peer ${peerRow.speedup.toFixed(2)}× target alone) | ${verdict((ratio(best.speedup, peerRow.speedup) ?? 0) >= 1.5)} |`);
    if (efficiencies.length > 0) {
        const min = Math.min(...efficiencies.map((candidate) => candidate.efficiency!));
        lines.push(`| measured ≥ 90 % of analytic | ${efficiencies.map((candidate) => `${candidate.id} ${pct(candidate.efficiency!)}`).join(", ")} | ${verdict(min >= 0.9)}${min < 0.9 ? " for every variant" : ""} |`);
    }
    if (typing != null)
        lines.push(`| typing p50 ≤ 50 % of target alone | ${typingRatio != null && Number.isFinite(typingRatio) ? pct(typingRatio) : "—"} (${fmtMs(typing.typing.speculative.keystrokeToSuggestion.p50Ms)} vs ${fmtMs(typing.typing.targetOnly.keystrokeToSuggestion.p50Ms)} ms) | ${verdict(typingRatio != null && typingRatio <= 0.5)} |`);
    if (bestNative != null && hybrid != null) {
        const versus = hybrid.tokensPerSecond / bestNative.tokensPerSecond;
        lines.push(`| product default ≥ 1.15× llama-server's best mode (decode tok/s) | ${versus.toFixed(2)}× (hybrid ${hybrid.tokensPerSecond.toFixed(1)} tok/s vs ${bestNative.label} ${bestNative.tokensPerSecond.toFixed(1)} tok/s) | ${verdict(versus >= 1.15)} |`);
    }
    const specRows = rows.filter((candidate) => !candidate.native);
    lines.push(`| zero exactness mismatches | ${mismatches} mismatches over ${results.length} tasks × ${specRows.length - 1} variants${nativeRows.length > 0 ? `; llama-server: ${nativeMismatches} over ${results.length} tasks × ${nativeRows.length} modes` : ""} | ${verdict(mismatches === 0)} |`, "");
    lines.push("<!-- analysis -->", "");
    return `${lines.join("\n")}\n`;
}

/** The models in one line: the fixture pairs by what they are, any other pair by file name and size. */

/** How the llama-server rows were made, their exactness, and Specula's default against the best of them. */
function formatNativeSection(setup: NativeSetup, nativeRows: readonly VariantRow[], hybrid: VariantRow | undefined, taskCount: number): string[] {
    const lines = ["## llama.cpp's own server", ""];
    if (nativeRows.length === 0) {
        lines.push(setup.problems.length > 0 ? setup.problems.join(" ") : "Not run (no llama-server variant selected).", "");
        return lines;
    }
    lines.push(`\`llama-server\` built by scripts/build-llama-server.sh from the llama.cpp source node-llama-cpp ships (the same release as Specula's prebuilt binary; static, \`-DGGML_NATIVE=ON\`, so compiled for this CPU), one process per mode, on 127.0.0.1. Each task sends the same prompt token ids as Specula to \`/completion\`, greedy (\`"samplers": ["top_k"], "top_k": 1\`), \`n_predict\` = the bench's token limit: first all but the last prompt token (so the server's prompt cache holds them, as Specula's KV cache does before it decodes), then the whole prompt. Decode time is the server's own \`timings.predicted_ms\` plus its eval of the last prompt token (\`prompt_ms\` of the second request), the same work Specula's decode time covers; the HTTP round trip is not counted. The end-of-generation token the server returns is dropped, as Specula's output leaves it out. Acceptance is \`draft_n_accepted ÷ draft_n\` from its timings; it does not report its target evals. Its pools and caches see the same warm-up tasks as Specula's.`, "");
    lines.push("| mode | flags (besides model, host, port) | tok/s | exact vs Specula's target alone |", "|---|---|--:|---|");
    for (const row of nativeRows) {
        const mode = ({ server: "plain", "server-md": "draft", "server-ngram": "ngram", "server-md-ngram": "draft+ngram" } as Record<string, NativeMode>)[row.id];
        const args = setup.args[mode] ?? [];
        const flags = args.filter((arg, index) => !["--model", "--host", "--port", "--model-draft"].includes(arg) && !["--model", "--host", "--port", "--model-draft"].includes(args[index - 1]));
        lines.push(`| ${row.label} | \`${flags.join(" ")}\` | ${row.tokensPerSecond.toFixed(1)} | ${row.mismatches === 0 ? `${row.tasks}/${row.tasks}` : `**${row.mismatches} of ${row.tasks} differ** (${row.mismatchedIds.slice(0, 6).join(", ")}${row.mismatchedIds.length > 6 ? ", …" : ""})`} |`);
    }
    lines.push("");
    const best = [...nativeRows].sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
    if (hybrid != null)
        lines.push(`Specula's product default (hybrid) decoded ${hybrid.tokensPerSecond.toFixed(1)} tok/s on the same ${taskCount} tasks, ${(hybrid.tokensPerSecond / best.tokensPerSecond).toFixed(2)}× the best llama-server mode (${best.label}, ${best.tokensPerSecond.toFixed(1)} tok/s).`, "");
    if (setup.problems.length > 0)
        lines.push(setup.problems.join(" "), "");
    return lines;
}

/** The version of an installed package, read from its package.json (not written into the report by hand). */
function installedVersion(name: string): string {
    try {
        return (JSON.parse(readFileSync(path.join(findPackageDir(name), "package.json"), "utf8")) as { version?: string }).version ?? "unknown version";
    } catch {
        return "unknown version";
    }
}

/** `npm run bench`'s command, read from the package's own package.json (undefined outside a checkout). */
function benchScript(): string | undefined {
    const root = findPackageRoot();
    if (root == null)
        return undefined;
    try {
        return (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: { bench?: string } }).scripts?.bench;
    } catch {
        return undefined;
    }
}

/** The report's "Reproduce" commands: `npm run bench` as package.json defines it, and a quick run. */
export function reproduceBlock(script: string | undefined): string[] {
    return [
        "```sh",
        "npm ci",
        `npm run bench${script != null ? `          # = ${script}` : ""}`,
        "node dist/cli.js bench --variants target,hybrid --limit 8   # quick: 8 tasks, a 1-task settings sweep, no typing replay, no report",
        "```"
    ];
}
