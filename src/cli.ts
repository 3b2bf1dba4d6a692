#!/usr/bin/env node
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { BENCH_CONTEXT_SIZE, commandHelp, parseCliArgs, usage, type CliCommand } from "./cli/parseCliArgs";
import { builtInPair as findBuiltInPair } from "./cli/builtInPair";
import { checkOutputFolder, writeFixtures } from "./cli/writeFixtures";
import { requireUsableDraft, unusableDraftNotice } from "./cli/checkDraft";
import { makeBenchTasks } from "./cli/makeBenchTasks";
import { parseTasks, runBench, type BenchReport } from "./cli/runBench";
import { runVariantsBench } from "./cli/runVariantsBench";
import { chainSummaries, latencyFiles, runLatencyBench } from "./cli/runLatencyBench";
import { completeInEngineHost } from "./cli/completeInEngineHost";
import { editJson, editPrompt, editText, statsJson } from "./cli/editCommand";
import { parseNextEditTasks, runNextEditBench } from "./cli/runNextEditBench";
import { DEFAULT_DRAFT_MAX } from "./common/EngineOptions";
import { maxTokensFor } from "./engine/generationBudget";
import { SpeculativeEngine } from "./engine/SpeculativeEngine";
import { isSpeculaError, quoted, SpeculaError } from "./engine/SpeculaError";
import { checkModelFile } from "./engine/modelFile/validateModelFile";
import { findPackageRoot } from "./fixtures/generateFixtures";

async function main(argv: readonly string[]): Promise<number> {
    const command = parseCliArgs(argv);
    switch (command.command) {
        case "help":
            process.stdout.write(`${command.topic != null ? commandHelp(command.topic) : usage}\n`);
            return 0;
        case "fixtures":
            return await fixtures(command);
        case "complete":
            return await complete(command);
        case "bench":
            return await bench(command);
        case "latency":
            return await latency(command);
        case "edit":
            return await edit(command);
        case "edit-bench":
            return await editBench(command);
    }
}

async function latency(command: Extract<CliCommand, { command: "latency" }>): Promise<number> {
    if (command.realUi)
        return realUiLatency(command);
    let targetPath = command.target;
    let draftPath = command.draft;
    let pairLabel = "the pair given on the command line";
    if (command.report != null)
        await checkOutputFolder(path.dirname(command.report), "--report's folder");
    if (targetPath == null || draftPath == null) {
        const pair = await builtInPair(command.pair, "bench");
        targetPath = pair.targetPath;
        draftPath = pair.draftPath;
        pairLabel = pair.description;
    }
    const contextSize = BENCH_CONTEXT_SIZE;
    const engine = await SpeculativeEngine.load({ targetPath, draftPath, threads: command.threads, gpu: "auto", contextSize });
    try {
        requireUsableDraft(engine.info, "latency");
        const result = await runLatencyBench(engine, {
            pairLabel: command.target != null ? `${path.basename(targetPath)} + ${path.basename(draftPath)}` : pairLabel,
            threads: command.threads, contextSize, maxTokens: command.maxTokens, maxLines: 8, chars: command.chars,
            files: latencyFiles(command.files), normalizeText: command.target == null && command.pair === "fixture", debounceMs: command.debounceMs, latencyBudgetMs: command.budgetMs,
            chainStarts: command.chains, compareClassicLayout: command.compareLayout, ...(command.report != null ? { report: command.report } : {}),
            log: (line) => process.stderr.write(`${line}\n`)
        });
        if (command.json)
            process.stdout.write(`${JSON.stringify({ typing: { speculative: result.typing.speculative, targetOnly: result.typing.targetOnly }, chains: chainSummaries(result.chains) }, null, 1)}\n`);
        return 0;
    } finally {
        await engine.dispose();
    }
}

/**
 * `latency --real-ui`: the real-editor run (test/realui), which needs a development checkout (its
 * compiled tests, dist/ and the e2e tools); it runs as a child process so the CLI imports no test code.
 */
async function realUiLatency(command: Extract<CliCommand, { command: "latency" }>): Promise<number> {
    const root = findPackageRoot();
    const runner = root != null ? path.join(root, "out", "test", "realui", "main.js") : undefined;
    if (runner == null || !existsSync(runner))
        throw new SpeculaError("FILE_NOT_FOUND", "latency --real-ui runs from a development checkout: compile it (tsc -p .), build it (node scripts/build.mjs) and install the e2e tools (bash scripts/install-e2e-tools.sh).");
    const args = [runner, ...(command.nextEdit ? ["--next-edit"] : ["--chars", String(command.chars), "--files", String(command.files)]), ...(command.report != null ? ["--report", command.report] : [])];
    const child = spawn(process.execPath, args, { stdio: "inherit" });
    return await new Promise<number>((resolve, reject) => {
        child.on("error", reject);
        child.on("exit", (code, signal) => resolve(code ?? (signal != null ? 1 : 0)));
    });
}

async function fixtures(command: Extract<CliCommand, { command: "fixtures" }>): Promise<number> {
    process.stdout.write(`${(await writeFixtures(command.out, command.large)).join("\n")}\n`);
    return 0;
}

async function complete(command: Extract<CliCommand, { command: "complete" }>): Promise<number> {
    const prefix = command.prompt ?? await readText(command.prefixFile!, "prefix file");
    const suffix = command.suffixFile != null ? await readText(command.suffixFile, "suffix file") : "";
    let targetPath: string;
    let draftPath = command.draft;
    if (command.target != null)
        targetPath = command.target;
    else {
        const pair = await builtInPair(command.pair, "complete");
        targetPath = pair.targetPath;
        draftPath = command.noDraft ? undefined : pair.draftPath;
    }
    if (command.noDraft)
        draftPath = undefined;
    // Specula's own checks first, in this process (no native code reads the file): most bad files
    // are refused at once. Loading happens in a child process that llama.cpp may abort.
    await checkModelFile(targetPath, "target model");
    if (draftPath != null)
        await checkModelFile(draftPath, "draft model");
    const draftMax = command.draftMax ?? DEFAULT_DRAFT_MAX;
    const { result } = await completeInEngineHost({
        targetPath,
        ...(draftPath != null ? { draftPath } : {}),
        options: { threads: command.threads, ...(command.draftMax != null ? { draftMax: command.draftMax } : {}), gpu: "auto" },
        request: {
            prefix,
            suffix,
            maxTokens: command.maxTokens,
            ...(command.maxLines != null ? { maxLines: command.maxLines } : {}),
            temperature: command.temperature,
            seed: command.seed
        },
        beforeComplete: (loaded) => {
            // An unusable draft is left out, as in the editor: say so, and complete with the target alone.
            const notice = unusableDraftNotice(loaded);
            if (notice != null)
                process.stderr.write(`${notice}\n`);
            const limit = maxTokensFor(loaded.contextSize, draftMax);
            if (command.maxTokens > limit)
                throw new SpeculaError(
                    "BAD_ARGUMENT",
                    `--max-tokens ${command.maxTokens} does not fit the ${loaded.contextSize}-token context: the prompt keeps at least half of it, so use at most ${limit}.`
                );
        }
    });
    const { stats } = result;
    if (command.json)
        process.stdout.write(`${JSON.stringify({
            text: result.text,
            tokens: result.tokens,
            stopReason: result.stopReason,
            stats: statsJson(stats)
        })}\n`);
    else {
        process.stdout.write(`${result.text}\n`);
        const mode = result.speculative
            ? `acceptance ${(stats.acceptanceRate * 100).toFixed(1)}% (${stats.acceptedTokens}/${stats.draftedTokens} drafted), ${stats.tokensPerTargetEval.toFixed(2)} tokens per target eval`
            : "target alone";
        process.stderr.write(`[specula] ${stats.generatedTokens} tokens in ${stats.totalMs.toFixed(0)} ms; ${mode}\n`);
    }
    return 0;
}

async function edit(command: Extract<CliCommand, { command: "edit" }>): Promise<number> {
    const text = await readText(command.file, "file");
    const history = command.history != null ? await readText(command.history, "history diff") : undefined;
    const prompt = editPrompt(command.file, text, command.line, history);
    const draftPath = command.noDraft ? undefined : command.draft;
    await checkModelFile(command.target, "target model");
    if (draftPath != null)
        await checkModelFile(draftPath, "draft model");
    const { result } = await completeInEngineHost({
        targetPath: command.target,
        ...(draftPath != null ? { draftPath } : {}),
        options: { threads: command.threads, ...(command.draftMax != null ? { draftMax: command.draftMax } : {}), gpu: "auto" },
        request: {
            prefix: "",
            rawPrompt: prompt.prompt,
            copyFrom: prompt.currentBlock,
            maxTokens: command.maxTokens,
            speculative: !command.noSpeculative
        },
        beforeComplete: (info) => requireUsableDraft(info, "edit")
    });
    const json = editJson(prompt, result);
    process.stdout.write(command.json ? `${JSON.stringify(json)}\n` : editText(json));
    return 0;
}

async function editBench(command: Extract<CliCommand, { command: "edit-bench" }>): Promise<number> {
    const text = await readText(command.tasks, "tasks file");
    let tasks;
    try {
        tasks = parseNextEditTasks(text, command.tasks);
    } catch (error) {
        throw new SpeculaError("BAD_ARGUMENT", (error as Error).message);
    }
    if (command.limit != null)
        tasks = tasks.slice(0, command.limit);
    const engine = await SpeculativeEngine.load({ targetPath: command.target, draftPath: command.draft, threads: command.threads, gpu: "auto" });
    try {
        requireUsableDraft(engine.info, "edit-bench");
        const report = await runNextEditBench(engine, tasks, {
            maxTokens: command.maxTokens,
            onTask: command.json ? undefined : (task) => process.stderr.write(`${task.identical ? "ok " : "MISMATCH"} ${task.id} (${task.kind}): ${task.right ? "right" : "wrong"}${task.offered ? ", edit offered" : ""}\n`)
        });
        if (command.json)
            process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
            const mode = (name: string, totals: typeof report.targetOnly) =>
                `${name.padEnd(12)} ${String(totals.tokens).padStart(7)} tokens ${totals.tokensPerSecond.toFixed(1).padStart(8)} tok/s ${totals.tokensPerTargetEval.toFixed(2).padStart(6)} tokens/target pass`;
            process.stdout.write([
                `${tasks.length} next-edit tasks, greedy`,
                mode("target-only", report.targetOnly),
                mode("speculative", report.speculative),
                `speedup ${report.speedup.toFixed(2)}x; mismatches: ${report.mismatches}${report.mismatches > 0 ? ` (${report.mismatchedIds.join(", ")})` : ""}`,
                `right windows ${report.rightWindows}/${tasks.length}; edits offered ${report.offeredEdits}, right ${report.rightOfferedEdits}`,
                ""
            ].join("\n"));
        }
        return report.mismatches > 0 ? 1 : 0;
    } finally {
        await engine.dispose();
    }
}

async function bench(command: Extract<CliCommand, { command: "bench" }>): Promise<number> {
    // The fixture models learned whitespace-normalised text, so their tasks are normalised the same way;
    // the code pair learned code as it is written.
    const normalizeText = command.target == null && command.pair === "fixture";
    let tasks = command.tasks != null
        ? parseTasksOrThrow(await readText(command.tasks, "tasks file"), command.tasks)
        : makeBenchTasks({ normalize: normalizeText });
    if (command.report != null)
        await checkOutputFolder(path.dirname(command.report), "--report's folder");
    let targetPath: string;
    let draftPath = command.draft;
    let description: string;
    if (command.target != null) {
        targetPath = command.target;
        description = `target ${path.basename(targetPath)}, draft ${path.basename(draftPath!)}`;
    } else {
        const pair = await builtInPair(command.pair, "bench");
        targetPath = pair.targetPath;
        draftPath = pair.draftPath;
        description = pair.description;
    }
    if (command.variants != null) {
        if (command.limit != null)
            tasks = tasks.slice(0, command.limit + command.sweepTasks);
        if (draftPath == null)
            throw new SpeculaError("BAD_ARGUMENT", "--variants needs a draft model.");
        const contextSize = BENCH_CONTEXT_SIZE;
        const engine = await SpeculativeEngine.load({ targetPath, draftPath, threads: command.threads, gpu: "auto", contextSize });
        try {
            requireUsableDraft(engine.info, "bench");
            return await runVariantsBench(engine, tasks, {
                variants: command.variants, maxTokens: command.maxTokens, threads: command.threads, report: command.report,
                sweepTasks: Math.min(command.sweepTasks, Math.max(0, tasks.length - 1)), typingChars: command.typingChars,
                targetPath, draftPath, contextSize, command: "bench", modelsDescription: description, normalizeText, llamaServer: command.llamaServer,
                json: command.json, writeJson: (text) => process.stdout.write(`${text}\n`),
                log: (line) => process.stderr.write(`${line}\n`)
            });
        } finally {
            await engine.dispose();
        }
    }
    if (command.limit != null)
        tasks = tasks.slice(0, command.limit);
    const engine = await SpeculativeEngine.load({ targetPath, draftPath, threads: command.threads, gpu: "auto" });
    try {
        requireUsableDraft(engine.info, "bench");
        const report = await runBench(engine, tasks, {
            maxTokens: command.maxTokens,
            onTask: command.json ? undefined : (task) => process.stderr.write(
                `${task.identical ? "ok " : "MISMATCH"} ${task.id}: ${task.speculative.tokens} tokens, ` +
                `acceptance ${(task.speculative.acceptanceRate * 100).toFixed(0)}%, ` +
                `${(task.targetOnly.decodeMs / Math.max(1e-9, task.speculative.decodeMs)).toFixed(2)}x\n`
            )
        });
        process.stdout.write(command.json ? `${JSON.stringify(report)}\n` : formatReport(report, tasks.length));
        return report.mismatches > 0 ? 1 : 0;
    } finally {
        await engine.dispose();
    }
}

/** The built-in pair's files, with the generators' progress lines on stderr. */
function builtInPair(name: Parameters<typeof findBuiltInPair>[0], use: "complete" | "bench") {
    return findBuiltInPair(name, use, { log: (line) => process.stderr.write(`[specula] ${line}\n`) });
}

function formatReport(report: BenchReport, taskCount: number): string {
    const row = (name: string, totals: BenchReport["targetOnly"], speedup: string) =>
        `${name.padEnd(14)} ${String(totals.tokens).padStart(7)} ${totals.decodeMs.toFixed(0).padStart(9)} ` +
        `${totals.tokensPerSecond.toFixed(1).padStart(8)} ${(totals.acceptanceRate * 100).toFixed(1).padStart(10)}% ` +
        `${totals.tokensPerTargetEval.toFixed(2).padStart(12)} ${speedup.padStart(8)}`;
    return [
        `${taskCount} tasks, greedy`,
        `${"mode".padEnd(14)} ${"tokens".padStart(7)} ${"decode ms".padStart(9)} ${"tok/s".padStart(8)} ${"acceptance".padStart(11)} ${"tok/target".padStart(12)} ${"speedup".padStart(8)}`,
        row("target-only", report.targetOnly, "1.00x"),
        row("speculative", report.speculative, `${report.speedup.toFixed(2)}x`),
        `mismatches: ${report.mismatches}${report.mismatches > 0 ? ` (${report.mismatchedIds.join(", ")})` : ""}`,
        ""
    ].join("\n");
}

function parseTasksOrThrow(text: string, source: string) {
    try {
        return parseTasks(text, source);
    } catch (error) {
        throw new SpeculaError("BAD_ARGUMENT", (error as Error).message);
    }
}

async function readText(file: string, what: string): Promise<string> {
    try {
        return await fs.readFile(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new SpeculaError(code === "ENOENT" ? "FILE_NOT_FOUND" : "FILE_UNREADABLE", `The ${what} ${quoted(file)} cannot be read (${code ?? "error"}).`);
    }
}

// `specula … | head` closes the pipe early: stop quietly instead of printing an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
    stream.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE")
            throw error;
        process.exit(process.exitCode ?? 0);
    });

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        // One line, no stack: a user error (exit 2) names the problem; anything else is a bug (exit 1).
        if (isSpeculaError(error)) {
            process.stderr.write(`specula: ${error.message}\n`);
            process.exitCode = 2;
        } else {
            process.stderr.write(`specula: unexpected error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
            process.exitCode = 1;
        }
    }
);
