// Ghost-text completions for every language. Thin: cut a bounded prompt window, answer from the
// cache when the user types through a suggestion, otherwise debounce, ask the engine with the
// CancellationToken turned into an AbortSignal (a keystroke stops the generation itself), clean the
// output and hand it to VS Code. It never edits the document; only the user's accept inserts text.
import * as vscode from "vscode";
import { buildPromptWindow, type PromptWindow } from "../completion/buildPromptWindow";
import { cleanCompletion } from "../completion/cleanCompletion";
import { CompletionCache, type CompletionCacheKey } from "../completion/CompletionCache";
import type { CompletionOutcome } from "../completion/CompletionTypes";
import { Debouncer } from "../completion/Debouncer";
import { ExtraContextRing } from "../completion/ExtraContextRing";
import type { SpeculaConfig } from "../config/SpeculaConfig";
import type { RequestStats } from "../engine/CompletionTypes";
import type { EngineController } from "./EngineController";
import { promptBudget } from "../completion/promptBudget";
import type { SessionStats } from "./SessionStats";
import type { StatusBar } from "./StatusBar";

/** Command attached to every item; VS Code runs it when the user accepts the suggestion. */
export const acceptedCommand = "specula.completionAccepted";

/** Longest piece of the cursor line handed to output cleaning (a minified file is one huge line). */
const maxLineContextChars = 2000;
/** Lines after the cursor line that the cleaner compares the completion with. */
const nextLinesForCleaning = 8;
/** Quiet time after switching editors before the prompt is warmed, so flicking through tabs warms nothing. */
const warmUpDelayMs = 400;

export interface ProviderDependencies {
    readonly controller: EngineController;
    readonly config: SpeculaConfig;
    readonly stats: SessionStats;
    readonly statusBar: StatusBar;
    readonly log: vscode.LogOutputChannel;
}

export class SpeculaInlineCompletionProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
    private readonly cache = new CompletionCache();
    private readonly ring = new ExtraContextRing();
    private debouncer: Debouncer;
    private readonly disposables: vscode.Disposable[] = [];
    private nextId = 1;
    private readonly reportedErrors = new Set<string>();
    /** Last edit position per document, so a chunk around it joins the extra context when the user moves on. */
    private readonly lastEdit = new Map<string, number>();
    private latest: CompletionOutcome | undefined;
    /** Generations in flight, aborted together when completions are turned off or the pair changes. */
    private readonly inFlight = new Set<AbortController>();
    private warmUpTimer: ReturnType<typeof setTimeout> | undefined;
    private warming: AbortController | undefined;
    private lastWarm: RequestStats | undefined;

    public constructor(private readonly deps: ProviderDependencies) {
        this.debouncer = this.createDebouncer();
        this.disposables.push(
            deps.config.onDidChange((changed) => {
                if (changed.has("enable") && !deps.config.settings.enable)
                    this.abortAll();
                if (changed.has("debounceMs"))
                    this.debouncer = this.createDebouncer();
                if (changed.has("selectedPair") || changed.has("modelPairs"))
                    this.cache.clear();
            }),
            deps.controller.onDidChangeState((state) => {
                if (state.kind === "loading") {
                    this.abortAll();
                    this.cache.clear();
                }
                if (state.kind === "ready")
                    this.scheduleWarmUp();
            }),
            vscode.workspace.onDidChangeTextDocument((event) => {
                if (event.contentChanges.length === 0)
                    return;
                if (event.document === vscode.window.activeTextEditor?.document)
                    this.debouncer.recordKeystroke();
                const change = event.contentChanges[event.contentChanges.length - 1]!;
                this.lastEdit.set(event.document.uri.toString(), change.rangeOffset + change.text.length);
            }),
            vscode.workspace.onDidSaveTextDocument((document) => this.addToRing(document)),
            vscode.window.onDidChangeActiveTextEditor(() => {
                // The document the user leaves behind becomes context for the next one.
                for (const document of vscode.workspace.textDocuments)
                    if (this.lastEdit.has(document.uri.toString()) && document !== vscode.window.activeTextEditor?.document)
                        this.addToRing(document);
                this.scheduleWarmUp();
            }),
            vscode.workspace.onDidCloseTextDocument((document) => {
                this.cache.deleteDocument(document.uri.toString());
                this.lastEdit.delete(document.uri.toString());
            })
        );
    }

    /** The outcome of the most recent request; the extension-host tests read it. */
    public get lastOutcome(): CompletionOutcome | undefined {
        return this.latest;
    }

    /** Statistics of the most recent warm-up that reached the engine; the extension-host tests read it. */
    public get lastWarmUp(): RequestStats | undefined {
        return this.lastWarm;
    }

    public async provideInlineCompletionItems(
        document: vscode.TextDocument,
        position: vscode.Position,
        context: vscode.InlineCompletionContext,
        token: vscode.CancellationToken
    ): Promise<vscode.InlineCompletionItem[] | undefined> {
        const outcome = await this.provide(document, position, context, token);
        this.latest = outcome;
        if ((outcome.kind !== "cache" && outcome.kind !== "model") || token.isCancellationRequested)
            return undefined;
        this.deps.stats.addShown(outcome.kind === "cache");
        const id = this.nextId++;
        return [
            new vscode.InlineCompletionItem(outcome.text, new vscode.Range(position, position), {
                command: acceptedCommand,
                title: "Specula: suggestion accepted",
                arguments: [id]
            })
        ];
    }

    public dispose(): void {
        clearTimeout(this.warmUpTimer);
        this.abortAll();
        for (const disposable of this.disposables)
            disposable.dispose();
    }

    private async provide(
        document: vscode.TextDocument,
        position: vscode.Position,
        context: vscode.InlineCompletionContext,
        token: vscode.CancellationToken
    ): Promise<CompletionOutcome> {
        const { config, controller, log } = this.deps;
        const settings = config.settings;
        if (!settings.enable || !config.isLanguageEnabled(document.languageId) || controller.state.kind !== "ready")
            return { kind: "empty", reason: "skipped" };
        // VS Code also asks while the suggest widget is open; answering would fight IntelliSense.
        if (context.selectedCompletionInfo != null)
            return { kind: "empty", reason: "skipped" };

        // A real request takes over from a warm-up; what the warm-up processed stays cached.
        this.warming?.abort();
        const offset = document.offsetAt(position);
        const prompt = this.promptAt(document, offset);
        const line = document.lineAt(position.line);
        const linePrefix = line.text.slice(Math.max(0, position.character - maxLineContextChars), position.character);
        const lineSuffix = line.text.slice(position.character, position.character + maxLineContextChars);
        const cacheKey: CompletionCacheKey = { uri: document.uri.toString(), offset, prefix: prompt.prefix, lineSuffix };

        const cached = this.cache.get(cacheKey);
        if (cached != null)
            return { kind: "cache", text: cached };

        const abort = new AbortController();
        const subscription = token.onCancellationRequested(() => abort.abort());
        this.inFlight.add(abort);
        try {
            if (token.isCancellationRequested)
                return { kind: "canceled" };
            if (context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic && !(await this.debouncer.wait(abort.signal)))
                return { kind: "canceled" };
            const midLine = /\S/.test(lineSuffix);
            const id = this.nextId++;
            if (settings.logPrompts)
                log.info(`[prompt #${id}] ${JSON.stringify({ extraContext: prompt.extraContext, prefix: prompt.prefix, suffix: prompt.suffix })}`);
            const endGenerating = this.deps.statusBar.beginGenerating();
            let result;
            try {
                result = await controller.complete({
                    prefix: prompt.prefix,
                    suffix: prompt.suffix,
                    ...(prompt.extraContext !== "" ? { extraContext: prompt.extraContext } : {}),
                    maxTokens: settings.maxTokens,
                    maxLines: midLine ? 1 : settings.maxLines,
                    temperature: settings.temperature,
                    seed: id
                }, abort.signal);
            } finally {
                endGenerating();
            }
            if (result.kind === "crashed")
                return { kind: "empty", reason: "noOutput" };
            if (result.kind === "error") {
                this.reportError(result.error.message);
                return { kind: "error", error: result.error };
            }
            const { stats, stopReason, speculative, text: raw } = result.result;
            this.deps.stats.addRequest(stats, speculative);
            this.deps.statusBar.recordRequest(stats.promptMs, stats.totalMs, stats.reusedPromptTokens, stats.promptTokens);
            log.debug(`#${id}: ${stats.promptTokens} prompt tokens (${stats.reusedPromptTokens} cached), ${stats.generatedTokens} generated, ${stopReason}, ${Math.round(stats.totalMs)} ms${speculative ? `, acceptance ${(stats.acceptanceRate * 100).toFixed(0)}%` : ", target only"}`);
            if (stopReason === "aborted" || abort.signal.aborted)
                return { kind: "canceled" };
            const text = cleanCompletion({
                raw,
                linePrefix,
                lineSuffix,
                nextLines: this.nextLines(document, position.line),
                eol: document.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n",
                maxLines: midLine ? 1 : settings.maxLines,
                ...this.indentation(document)
            });
            if (settings.logPrompts)
                log.info(`[completion #${id}] ${JSON.stringify({ raw, shown: text })}`);
            if (text === "")
                return { kind: "empty", reason: raw.trim() === "" ? "noOutput" : "cleanedAway", stats };
            this.cache.set(cacheKey, text);
            return { kind: "model", text, raw, stats };
        } finally {
            this.inFlight.delete(abort);
            subscription.dispose();
        }
    }

    private abortAll(): void {
        this.warming?.abort();
        for (const abort of this.inFlight)
            abort.abort();
    }

    /** The prompt window at `offset`, read from a bounded range of the document (never all of it). */
    private promptAt(document: vscode.TextDocument, offset: number): PromptWindow {
        const settings = this.deps.config.settings;
        const budget = promptBudget(settings.contextSize, settings.maxTokens);
        const windowStart = document.offsetAt(document.positionAt(Math.max(0, offset - budget.prefixChars - 2)));
        const windowEnd = offset + budget.suffixChars + 2;
        const windowText = document.getText(new vscode.Range(document.positionAt(windowStart), document.positionAt(windowEnd)));
        const path = vscode.workspace.asRelativePath(document.uri, false);
        return buildPromptWindow({
            text: windowText,
            offset: offset - windowStart,
            extraContext: this.ring.snippets(path, budget.extraChars),
            maxPrefixChars: budget.prefixChars,
            maxSuffixChars: budget.suffixChars,
            maxExtraContextChars: budget.extraChars
        });
    }

    private scheduleWarmUp(): void {
        clearTimeout(this.warmUpTimer);
        this.warmUpTimer = setTimeout(() => void this.warmUp(), warmUpDelayMs);
    }

    /**
     * Brings the prompt at the active editor's cursor into the engine's KV cache before the user
     * types, so the first suggestion in a newly opened file processes a few new tokens instead of the
     * whole window (1 404 tokens took 12 s on a 2-vCPU CPU with the large fixture target). Same
     * prompt as a request at that spot would send; generates nothing, counts in no statistics.
     */
    private async warmUp(): Promise<void> {
        const { config, controller, log } = this.deps;
        const editor = vscode.window.activeTextEditor;
        if (editor == null || !config.settings.enable || !config.isLanguageEnabled(editor.document.languageId) ||
            controller.state.kind !== "ready" || this.inFlight.size > 0 || !isLocalTextScheme(editor.document.uri.scheme))
            return;
        this.warming?.abort();
        const abort = new AbortController();
        this.warming = abort;
        try {
            const document = editor.document;
            const prompt = this.promptAt(document, document.offsetAt(editor.selection.active));
            const outcome = await controller.complete({
                prefix: prompt.prefix,
                suffix: prompt.suffix,
                ...(prompt.extraContext !== "" ? { extraContext: prompt.extraContext } : {}),
                maxTokens: config.settings.maxTokens,
                prefillOnly: true
            }, abort.signal);
            if (outcome.kind === "result") {
                const { stats, stopReason } = outcome.result;
                this.lastWarm = stats;
                log.debug(`warm-up: ${stats.promptTokens - stats.reusedPromptTokens} new prompt tokens of ${stats.promptTokens} in ${Math.round(stats.promptMs)} ms${stopReason === "aborted" ? " (interrupted)" : ""}`);
            }
        } finally {
            if (this.warming === abort)
                this.warming = undefined;
        }
    }

    private nextLines(document: vscode.TextDocument, line: number): string[] {
        const lines: string[] = [];
        for (let index = line + 1; index < document.lineCount && lines.length < nextLinesForCleaning; index++)
            lines.push(document.lineAt(index).text.slice(0, maxLineContextChars));
        return lines;
    }

    private indentation(document: vscode.TextDocument): { indentUnit?: string; tabSize?: number } {
        const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document === document);
        if (editor == null)
            return {};
        const tabSize = typeof editor.options.tabSize === "number" ? editor.options.tabSize : 4;
        const indentUnit = editor.options.insertSpaces === false ? "\t" : " ".repeat(typeof editor.options.indentSize === "number" ? editor.options.indentSize : tabSize);
        return { indentUnit, tabSize };
    }

    private addToRing(document: vscode.TextDocument): void {
        if (!isLocalTextScheme(document.uri.scheme))
            return;
        if (!this.deps.config.isLanguageEnabled(document.languageId))
            return;
        const around = this.lastEdit.get(document.uri.toString()) ?? 0;
        // Only the neighbourhood of the edit is read, never the whole of a large file.
        const start = document.offsetAt(document.positionAt(Math.max(0, around - 4000)));
        const text = document.getText(new vscode.Range(document.positionAt(start), document.positionAt(around + 4000)));
        this.ring.add(vscode.workspace.asRelativePath(document.uri, false), text, around - start);
    }

    private reportError(message: string): void {
        if (this.reportedErrors.has(message))
            return;
        this.reportedErrors.add(message);
        this.deps.log.warn(`Completion failed: ${message}`);
    }

    private createDebouncer(): Debouncer {
        const base = this.deps.config.settings.debounceMs;
        // The setting is the shortest wait; slow typists get up to three times as long.
        return new Debouncer({ minMs: base, initialMs: base, maxMs: base * 3 });
    }
}

function isLocalTextScheme(scheme: string): boolean {
    return scheme === "file" || scheme === "untitled" || scheme === "vscode-remote";
}
