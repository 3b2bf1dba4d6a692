// Ghost-text completions for every language: a thin adapter from VS Code to the completion pipeline
// (src/completion/CompletionPipeline), which owns caching, debouncing, streaming, cleaning and
// prefetching. This file turns editor events into pipeline calls, the pipeline's outcome into
// InlineCompletionItems, and its "a better suggestion is ready here" into a re-trigger. It never
// edits the document; only the user's accept inserts text.
import * as vscode from "vscode";
import type { CompletionBackend } from "../completion/CompletionBackend";
import { CompletionPipeline, type CompletionInput, type PipelineOutcome, type PipelineSettings } from "../completion/CompletionPipeline";
import { Debouncer } from "../completion/Debouncer";
import type { DocumentView } from "../completion/DocumentView";
import { ExtraContextRing } from "../completion/ExtraContextRing";
import { usableContextSize } from "../completion/promptBudget";
import { epochNow } from "../completion/epochClock";
import type { SpeculaConfig, SpeculaSettings } from "./SpeculaConfig";
import type { RequestStats } from "../common/CompletionTypes";
import type { CompletionEngine } from "./BackendSwitch";
import { backendContextSize, canComplete } from "./BackendState";
import type { SessionStats } from "./SessionStats";
import type { StatusBar } from "./StatusBar";

/** Command attached to every item; VS Code runs it when the user accepts the suggestion. */
export const acceptedCommand = "specula.completionAccepted";

/** Quiet time after switching editors or moving the cursor before the prompt is warmed, so flicking through tabs warms nothing. */
const warmUpDelayMs = 400;

/**
 * What the provider got for one request: the pipeline's outcome, or `skipped` when it did not ask
 * (completions off for this document, engine not ready, suggest widget open). A discriminated union
 * keeps the provider a thin switch; an abort is `canceled`, never an `error`, so typing never pops
 * up errors.
 */
export type CompletionOutcome = PipelineOutcome | { readonly kind: "empty"; readonly reason: "skipped" };

export interface ProviderDependencies {
    /** The backend in use (local engine or llama.cpp server). */
    readonly controller: CompletionEngine;
    readonly config: SpeculaConfig;
    readonly stats: SessionStats;
    readonly statusBar: StatusBar;
    readonly log: vscode.LogOutputChannel;
}

/** The pipeline's settings, read from the extension's; prompts are planned for the context the backend has (`backendContext`), when known. */
export function pipelineSettings(settings: SpeculaSettings, backendContext: number | undefined): PipelineSettings {
    return {
        maxTokens: settings.maxTokens,
        maxLines: settings.maxLines,
        temperature: settings.temperature,
        contextSize: usableContextSize(settings.contextSize, backendContext),
        latencyBudgetMs: settings.latencyBudgetMs,
        prefetch: settings.prefetch,
        logPrompts: settings.logPrompts
    };
}

export class SpeculaInlineCompletionProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
    private readonly pipeline: CompletionPipeline;
    private readonly ring = new ExtraContextRing();
    private readonly disposables: vscode.Disposable[] = [];
    private nextId = 1;
    private readonly reportedErrors = new Set<string>();
    /** Last edit position per document, so a chunk around it joins the extra context when the user moves on. */
    private readonly lastEdit = new Map<string, number>();
    /** Document version at the last selection change, to tell cursor moves from edits. */
    private readonly versionAtSelection = new Map<string, number>();
    private latest: CompletionOutcome | undefined;
    private warmUpTimer: ReturnType<typeof setTimeout> | undefined;
    private warming: AbortController | undefined;
    private lastWarm: RequestStats | undefined;
    private lastDone: { readonly stats: RequestStats; readonly speculative: boolean } | undefined;
    /** For the debug timing lines: the last edit of the active document (epoch ms), and the lines' sequence number. */
    private lastEditAt: number | undefined;
    private nextTimingSeq = 1;

    public constructor(private readonly deps: ProviderDependencies) {
        const { config, controller, stats, statusBar, log } = deps;
        // Every generation shows as "generating" in the status bar; warm-ups do not.
        const backend: CompletionBackend = {
            complete: async (request, signal, onText) => {
                const end = request.prefillOnly === true ? undefined : statusBar.beginGenerating();
                try {
                    return await controller.complete(request, signal, onText);
                } finally {
                    end?.();
                }
            }
        };
        this.pipeline = new CompletionPipeline({
            backend,
            settings: () => pipelineSettings(config.settings, backendContextSize(controller.state)),
            debouncer: this.createDebouncer(),
            events: {
                onGenerationDone: (requestStats, speculative, purpose) => {
                    if (purpose === "request")
                        this.lastDone = { stats: requestStats, speculative };
                    stats.addRequest(requestStats, speculative);
                    statusBar.recordRequest(requestStats.promptMs, requestStats.totalMs, requestStats.reusedPromptTokens, requestStats.promptTokens);
                    log.debug(`${purpose}: ${requestStats.promptTokens} prompt tokens (${requestStats.reusedPromptTokens} cached), ${requestStats.generatedTokens} generated, ${Math.round(requestStats.totalMs)} ms${speculative ? `, acceptance ${(requestStats.acceptanceRate * 100).toFixed(0)}%` : ", target only"}` +
                        ` (prompt ${Math.round(requestStats.promptMs)} ms, draft ${Math.round(requestStats.draftMs)} ms, target ${Math.round(requestStats.targetMs)} ms in ${requestStats.targetEvals} evals, ${requestStats.acceptedTokens}/${requestStats.draftedTokens} drafts accepted, ${requestStats.declinedRounds ?? 0} rounds not drafted)`);
                },
                onImproved: (uri, offset) => this.showAgain(uri, offset),
                onError: (message) => this.reportError(message),
                log: (message) => log.info(message)
            }
        });
        this.disposables.push(
            config.onDidChange((changed) => {
                if (changed.has("enable") && !config.settings.enable)
                    this.abortAll();
                if (changed.has("debounceMs"))
                    this.pipeline.setDebouncer(this.createDebouncer());
                if (changed.has("selectedPair") || changed.has("modelPairs"))
                    this.pipeline.clear();
            }),
            controller.onDidChangeState((state) => {
                // A new model makes every cached suggestion stale; a server that was away (or is
                // connecting) may come back with another model under the same name.
                if (state.kind === "loading" || (state.kind === "server" && state.health.kind !== "ready"))
                    this.pipeline.clear();
                if (canComplete(state))
                    this.scheduleWarmUp();
            }),
            vscode.workspace.onDidChangeTextDocument((event) => {
                if (event.contentChanges.length === 0)
                    return;
                if (event.document === vscode.window.activeTextEditor?.document) {
                    this.pipeline.recordKeystroke();
                    this.lastEditAt = epochNow();
                }
                const change = event.contentChanges[event.contentChanges.length - 1]!;
                this.lastEdit.set(event.document.uri.toString(), change.rangeOffset + change.text.length);
            }),
            vscode.window.onDidChangeTextEditorSelection((event) => {
                const document = event.textEditor.document;
                const uri = document.uri.toString();
                const moved = this.versionAtSelection.get(uri) === document.version;
                this.versionAtSelection.set(uri, document.version);
                // Only a move without an edit is a jump; typing moves the cursor too.
                if (moved && event.textEditor === vscode.window.activeTextEditor) {
                    this.pipeline.cursorMoved(uri, document.offsetAt(event.selections[0]!.active));
                    this.scheduleWarmUp();
                }
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
                const uri = document.uri.toString();
                this.pipeline.forgetDocument(uri);
                this.lastEdit.delete(uri);
                this.versionAtSelection.delete(uri);
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

    /** Statistics of the most recent generation for a request (not a prefetch) that ended; the extension-host tests read it. */
    public get lastGeneration(): { readonly stats: RequestStats; readonly speculative: boolean } | undefined {
        return this.lastDone;
    }

    /** Resolves once no generation is running; the extension-host tests wait on it. */
    public whenIdle(): Promise<void> {
        return this.pipeline.whenIdle();
    }

    public async provideInlineCompletionItems(
        document: vscode.TextDocument,
        position: vscode.Position,
        context: vscode.InlineCompletionContext,
        token: vscode.CancellationToken
    ): Promise<vscode.InlineCompletionItem[] | undefined> {
        const calledAt = epochNow();
        const outcome = await this.provide(document, position, context, token);
        this.latest = outcome;
        this.logTiming(calledAt, document, position, context, outcome, token.isCancellationRequested);
        if (outcome.kind !== "suggestion" || token.isCancellationRequested)
            return undefined;
        this.deps.stats.addShown(outcome.source !== "new", context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic ? outcome.elapsedMs : undefined);
        const id = this.nextId++;
        return [
            // A suggestion that contains closers the editor auto-inserted replaces them rather than doubling them.
            new vscode.InlineCompletionItem(outcome.text, new vscode.Range(position, position.translate(0, outcome.overwriteChars)), {
                command: acceptedCommand,
                title: "Specula: suggestion accepted",
                arguments: [id]
            })
        ];
    }

    /**
     * One debug line per answer (`timing {json}`, epoch ms): when VS Code asked and when it got the
     * answer, the last edit this host saw, and for a new generation, once it ends, when it was sent
     * to the engine, when the engine host received it and sent its first text. The real-UI latency
     * run lines these up with the page's keystroke and ghost-text times.
     */
    private logTiming(calledAt: number, document: vscode.TextDocument, position: vscode.Position, context: vscode.InlineCompletionContext, outcome: CompletionOutcome, canceled: boolean): void {
        const log = this.deps.log;
        if (log.logLevel > vscode.LogLevel.Debug || log.logLevel === vscode.LogLevel.Off)
            return;
        const seq = this.nextTimingSeq++;
        const suggestion = outcome.kind === "suggestion" ? outcome : undefined;
        log.debug(`timing ${JSON.stringify({
            event: "answer", seq, calledAt, answeredAt: epochNow(), lastEditAt: this.lastEditAt, uri: document.uri.toString(),
            offset: document.offsetAt(position), version: document.version,
            trigger: context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic ? "automatic" : "explicit",
            kind: outcome.kind, canceled,
            ...(outcome.kind === "empty" ? { reason: outcome.reason } : {}),
            ...(suggestion != null ? { source: suggestion.source, piece: suggestion.piece, chars: suggestion.text.length } : {})
        })}`);
        void suggestion?.details?.then((details) => {
            if (details != null)
                log.debug(`timing ${JSON.stringify({ event: "generation", seq, ...details.times, split: details.split })}`);
        });
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
        const { config, controller } = this.deps;
        if (!config.settings.enable || !config.isLanguageEnabled(document.languageId) || !canComplete(controller.state))
            return { kind: "empty", reason: "skipped" };
        // VS Code also asks while the suggest widget is open; answering would fight IntelliSense.
        if (context.selectedCompletionInfo != null)
            return { kind: "empty", reason: "skipped" };
        // A real request takes over from a warm-up; what the warm-up processed stays cached.
        this.warming?.abort();
        const abort = new AbortController();
        const subscription = token.onCancellationRequested(() => abort.abort());
        try {
            if (token.isCancellationRequested)
                return { kind: "canceled" };
            const trigger = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic ? "automatic" : "explicit";
            return await this.pipeline.provide(this.inputAt(document, document.offsetAt(position), trigger), abort.signal);
        } finally {
            subscription.dispose();
        }
    }

    private inputAt(document: vscode.TextDocument, offset: number, trigger: CompletionInput["trigger"]): CompletionInput {
        return {
            document: documentView(document),
            offset,
            trigger,
            extraContext: (maxChars) => this.ring.snippets(vscode.workspace.asRelativePath(document.uri, false), maxChars),
            languageId: document.languageId,
            ...this.indentation(document)
        };
    }

    /** A longer suggestion is ready where one is shown: ask VS Code to ask again, if the cursor is still there. */
    private showAgain(uri: string, offset: number): void {
        const editor = vscode.window.activeTextEditor;
        const here = editor != null && editor.document.uri.toString() === uri && editor.selection.isEmpty && editor.document.offsetAt(editor.selection.active) === offset;
        if (this.deps.log.logLevel <= vscode.LogLevel.Debug && this.deps.log.logLevel !== vscode.LogLevel.Off)
            this.deps.log.debug(`timing ${JSON.stringify({ event: "improved", at: epochNow(), uri, offset, reasked: here })}`);
        if (!here)
            return;
        void vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
    }

    private abortAll(): void {
        this.warming?.abort();
        this.pipeline.abortAll();
    }

    private scheduleWarmUp(): void {
        clearTimeout(this.warmUpTimer);
        this.warmUpTimer = setTimeout(() => void this.warmUp(), warmUpDelayMs);
    }

    /**
     * Brings the prompt at the active editor's cursor into the engine's KV cache before the user
     * types, so the first suggestion in a newly opened file (or after a jump) processes a few new
     * tokens instead of the whole window (1 404 tokens took 12 s on a 2-vCPU CPU with the large
     * fixture target). Same prompt as a request at that spot would send; generates nothing, counts
     * in no statistics.
     */
    private async warmUp(): Promise<void> {
        const { config, controller, log } = this.deps;
        const editor = vscode.window.activeTextEditor;
        if (editor == null || !config.settings.enable || !config.isLanguageEnabled(editor.document.languageId) ||
            !canComplete(controller.state) || !isLocalTextScheme(editor.document.uri.scheme))
            return;
        this.warming?.abort();
        const abort = new AbortController();
        this.warming = abort;
        try {
            const document = editor.document;
            const stats = await this.pipeline.warmUp(this.inputAt(document, document.offsetAt(editor.selection.active), "explicit"), abort.signal);
            if (stats != null) {
                this.lastWarm = stats;
                log.debug(`warm-up: ${stats.promptTokens - stats.reusedPromptTokens} new prompt tokens of ${stats.promptTokens} in ${Math.round(stats.promptMs)} ms${abort.signal.aborted ? " (interrupted)" : ""}`);
            }
        } finally {
            if (this.warming === abort)
                this.warming = undefined;
        }
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
        return Debouncer.forSetting(this.deps.config.settings.debounceMs);
    }
}

/** A TextDocument as the pipeline reads it: bounded ranges by offset. */
function documentView(document: vscode.TextDocument): DocumentView {
    return {
        uri: document.uri.toString(),
        get length() {
            return document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
        },
        eol: document.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n",
        getText: (start, end) => document.getText(new vscode.Range(document.positionAt(Math.max(0, start)), document.positionAt(Math.max(0, end))))
    };
}

function isLocalTextScheme(scheme: string): boolean {
    return scheme === "file" || scheme === "untitled" || scheme === "vscode-remote";
}
