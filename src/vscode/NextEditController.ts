// Next-edit suggestions in the editor (issue 22, item 1). After the user edits a document, the
// next-edit model (specula.nextEdit.model, in an engine process of its own, beside the completion
// pair's) rewrites the window around the cursor. An insertion at the cursor is offered as an inline
// completion item (ghost text). Any other edit is shown with decorations (the replaced text struck
// through, the new text after it) under the context key `specula.nextEditShown`, where Tab runs
// `specula.acceptNextEdit` and Escape `specula.dismissNextEdit`: VS Code (code-server 4.139.1 here)
// neither shows nor applies an inline item whose range is away from the cursor or spans lines, which
// the stable API does not allow. Nothing is written to a document without an accept, and a
// prediction that no longer applies is dropped (src/nextEdit's rules).
//
// The model (specula.nextEdit.model) is a next-edit preset, a pair of specula.modelPairs or one
// model, loaded through the same steps as a completion pair (src/engineHost/pairLoading.ts): a download
// only after the user agrees, with a cancellable progress notification; the engine's memory and
// vocabulary checks on load. With specula.backend = llamaServer, next edits go to a llama.cpp server
// instead (specula.nextEdit.serverUrl, else specula.serverUrl; src/llamaServer/LlamaServerNextEdit.ts).
import * as path from "node:path";
import * as vscode from "vscode";
import { nextEditModelPair } from "../config/modelPairs";
import { EngineClientError, type EngineClient } from "../engineHost/EngineClient";
import { downloadPair, loadPair, pairLoadParams, sourcesToDownload, type PairFolders } from "../engineHost/pairLoading";
import { LlamaServerNextEdit } from "../llamaServer/LlamaServerNextEdit";
import { NextEditSession, type NextEditBackend } from "../nextEdit/NextEditSession";
import { displayHunks } from "../nextEdit/displayHunks";
import { PendingNextEdits, type NextEditOffer } from "../nextEdit/nextEditOffer";
import type { NextEditOutcome } from "../nextEdit/nextEditOutput";
import type { SpeculaConfig } from "./SpeculaConfig";
import { showDownloadStopped, withDownloadProgress } from "./downloadProgress";

export interface NextEditFolders {
    readonly modelDirectory: string;
    readonly fixtureDirectory: string;
    readonly stateDirectory: string;
}

export interface NextEditControllerOptions {
    /** The llama.cpp server's API key (VS Code's secret storage), for next edits on the server backend. */
    readonly serverApiKey?: () => Promise<string | undefined>;
}

/** The next-edit model cannot be loaded as configured (not downloaded, not valid); already said once. */
class ModelUnavailable extends Error {}

export class NextEditController implements vscode.InlineCompletionItemProvider, vscode.Disposable {
    private readonly session: NextEditSession;
    private readonly pending: PendingNextEdits;
    /** Each open document's text as last seen: the "before" of its next change. */
    private readonly texts = new Map<string, string>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private client: EngineClient | undefined;
    private loaded: Promise<EngineClient> | undefined;
    private loadedModel: string | undefined;
    private inFlight: AbortController | undefined;
    /** Problems of the model setting and download offers already shown, each once. */
    private readonly notified = new Set<string>();
    private idle: Promise<void> = Promise.resolve();
    /** The last prediction's outcome, for the extension-host tests. */
    public lastOutcome: NextEditOutcome | undefined;
    /** The replacement shown with decorations, and the document it is for. */
    private shownEdit: { readonly document: string; readonly offer: Extract<NextEditOffer, { kind: "replace" }> } | undefined;
    private readonly removed = vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor("diffEditor.removedTextBackground"),
        textDecoration: "line-through"
    });
    private readonly inserted = vscode.window.createTextEditorDecorationType({
        after: { backgroundColor: new vscode.ThemeColor("diffEditor.insertedTextBackground"), margin: "0 0 0 0.2em" }
    });

    public constructor(
        private readonly config: SpeculaConfig,
        private readonly createClient: () => EngineClient,
        private readonly folders: NextEditFolders,
        private readonly log: vscode.LogOutputChannel,
        private readonly options: NextEditControllerOptions = {}
    ) {
        const backend: NextEditBackend = { complete: (request) => this.complete(request) };
        this.session = new NextEditSession(backend);
        this.pending = new PendingNextEdits(this.session);
        this.subscriptions.push(
            vscode.workspace.onDidChangeTextDocument((event) => this.changed(event)),
            vscode.workspace.onDidOpenTextDocument((document) => {
                if (this.active)
                    this.texts.set(document.uri.toString(), document.getText());
            }),
            vscode.workspace.onDidCloseTextDocument((document) => {
                this.texts.delete(document.uri.toString());
                this.pending.forget(document.uri.toString());
            }),
            vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
            vscode.commands.registerCommand("specula.acceptNextEdit", () => this.accept()),
            vscode.commands.registerCommand("specula.dismissNextEdit", () => this.dismiss()),
            vscode.commands.registerCommand("specula.downloadNextEditModel", () => this.download()),
            config.onDidChange((changed) => {
                if (changed.has("nextEditEnabled") || changed.has("nextEditModel") || changed.has("backend") || changed.has("nextEditServerUrl") || changed.has("modelPairs"))
                    void this.reset();
            })
        );
        this.seed();
    }

    public get active(): boolean {
        const settings = this.config.settings;
        return settings.nextEditEnabled && (settings.nextEditModel.trim() !== "" || settings.backend === "llamaServer");
    }

    /** Resolves once the prediction in flight (if any) has settled. */
    public whenIdle(): Promise<void> {
        return this.idle;
    }

    /** The replacement shown now (decorations and Tab), for the extension-host tests. */
    public get shown(): NextEditOffer | undefined {
        return this.shownEdit?.offer;
    }

    /** Ghost text for an insertion at the cursor; other edits are shown with decorations. */
    public provideInlineCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.InlineCompletionList | undefined {
        if (!this.active)
            return undefined;
        const offer = this.pending.offer(document.uri.toString(), document.getText(), document.offsetAt(position));
        return offer?.kind === "insertAtCursor" ? new vscode.InlineCompletionList([new vscode.InlineCompletionItem(offer.text, new vscode.Range(position, position))]) : undefined;
    }

    /** Tab while a replacement is shown: applies it if it still applies to the document as it is. */
    public async accept(): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        const shown = this.shownEdit;
        this.hide();
        if (editor == null || shown == null || shown.document !== editor.document.uri.toString())
            return;
        const document = editor.document;
        const offer = this.pending.offer(shown.document, document.getText(), document.offsetAt(editor.selection.active));
        this.pending.forget(shown.document);
        if (offer?.kind !== "replace")
            return;
        await editor.edit((edit) => edit.replace(new vscode.Range(document.positionAt(offer.start), document.positionAt(offer.end)), offer.text));
    }

    /** Escape while a replacement is shown: drops it. */
    public dismiss(): void {
        if (this.shownEdit != null)
            this.pending.forget(this.shownEdit.document);
        this.hide();
    }

    public async toggle(): Promise<void> {
        const enabled = !this.config.settings.nextEditEnabled;
        await this.config.update("nextEditEnabled", enabled);
        if (enabled && this.config.settings.nextEditModel.trim() === "" && this.config.settings.backend !== "llamaServer")
            void vscode.window.showInformationMessage("Specula: next-edit suggestions are on, but specula.nextEdit.model is empty: set it to sweep-1.5b (Sweep Next-Edit 1.5B, downloaded when you agree) or a next-edit GGUF model.");
        else
            vscode.window.setStatusBarMessage(`Specula: next-edit suggestions ${enabled ? "on" : "off"}`, 2000);
    }

    public dispose(): void {
        this.inFlight?.abort(new Error("disposed"));
        this.hide();
        this.removed.dispose();
        this.inserted.dispose();
        for (const subscription of this.subscriptions)
            subscription.dispose();
        void this.client?.dispose();
    }

    /** Shows the active document's pending replacement (or nothing, when there is none or it went stale). */
    private refresh(): void {
        const editor = vscode.window.activeTextEditor;
        if (editor == null || !this.active) {
            this.hide();
            return;
        }
        const document = editor.document;
        const key = document.uri.toString();
        const offer = this.pending.offer(key, document.getText(), document.offsetAt(editor.selection.active));
        if (offer?.kind !== "replace") {
            this.hide();
            return;
        }
        // Drawn line by line where the edit keeps the line count (displayHunks); Tab applies the whole edit.
        const hunks = displayHunks(document.getText(), offer);
        const range = (from: number, to: number) => new vscode.Range(document.positionAt(from), document.positionAt(to));
        editor.setDecorations(this.removed, hunks.filter((hunk) => hunk.start < hunk.end).map((hunk) => range(hunk.start, hunk.end)));
        editor.setDecorations(this.inserted, hunks.filter((hunk) => hunk.text !== "").map((hunk) => {
            // One line of decoration text: line breaks of the new text shown as "⏎".
            const shownText = hunk.text.replace(/\r?\n/g, "⏎");
            return { range: range(hunk.end, hunk.end), renderOptions: { after: { contentText: shownText.length > 120 ? `${shownText.slice(0, 119)}…` : shownText } } };
        }));
        this.shownEdit = { document: key, offer };
        void vscode.commands.executeCommand("setContext", "specula.nextEditShown", true);
    }

    private hide(): void {
        if (this.shownEdit == null)
            return;
        this.shownEdit = undefined;
        for (const editor of vscode.window.visibleTextEditors) {
            editor.setDecorations(this.removed, []);
            editor.setDecorations(this.inserted, []);
        }
        void vscode.commands.executeCommand("setContext", "specula.nextEditShown", false);
    }

    private seed(): void {
        this.texts.clear();
        if (!this.active)
            return;
        for (const document of vscode.workspace.textDocuments)
            this.texts.set(document.uri.toString(), document.getText());
    }

    private async reset(): Promise<void> {
        this.inFlight?.abort(new Error("next-edit settings changed"));
        this.pending.clear();
        this.hide();
        this.session.clear();
        this.seed();
        this.notified.clear();
        const local = this.active && this.config.settings.backend === "local";
        if (this.client != null && (!local || this.loadedModel !== this.config.settings.nextEditModel)) {
            const client = this.client;
            this.client = undefined;
            this.loaded = undefined;
            this.loadedModel = undefined;
            await client.dispose();
        }
    }

    private changed(event: vscode.TextDocumentChangeEvent): void {
        if (!this.active || event.contentChanges.length === 0)
            return;
        const document = event.document;
        const key = document.uri.toString();
        const before = this.texts.get(key);
        const after = document.getText();
        this.texts.set(key, after);
        // Only the user's edits in the editor they type in: not documents changed in the background
        // (settings.json written by a setting's update, output channels).
        const editor = vscode.window.activeTextEditor;
        if (before == null || editor?.document !== document)
            return;
        this.session.documentChanged(vscode.workspace.asRelativePath(document.uri, false), before, after);
        this.refresh();
        const cursorLine = editor.selection.active.line;
        this.inFlight?.abort(new Error("the document changed again"));
        const abort = new AbortController();
        this.inFlight = abort;
        this.idle = this.predict(document, after, cursorLine, abort.signal);
    }

    private async predict(document: vscode.TextDocument, text: string, cursorLine: number, signal: AbortSignal): Promise<void> {
        const key = document.uri.toString();
        try {
            await new Promise((resolve) => setTimeout(resolve, this.config.settings.debounceMs));
            signal.throwIfAborted();
            const prediction = await this.session.predict(vscode.workspace.asRelativePath(document.uri, false), text, cursorLine, signal);
            if (prediction == null)
                return;
            this.lastOutcome = prediction.outcome;
            if (prediction.outcome.kind !== "edit")
                return;
            this.pending.set(key, prediction);
            this.refresh();
            if (this.shownEdit == null && vscode.window.activeTextEditor?.document === document)
                await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        } catch (error) {
            if (!signal.aborted && !(error instanceof ModelUnavailable))
                this.log.warn(`Next edit: ${(error as Error).message}`);
        }
    }

    private async complete(request: Parameters<NextEditBackend["complete"]>[0]) {
        if (this.config.settings.backend === "llamaServer")
            return this.completeOnServer(request);
        const client = await this.ensureLoaded();
        const outcome = await client.complete({
            prefix: "",
            rawPrompt: request.rawPrompt,
            copyFrom: request.copyFrom,
            maxTokens: request.maxTokens,
            temperature: 0,
            speculative: true
        }, request.signal);
        request.signal?.throwIfAborted();
        if (outcome.kind === "crashed")
            throw new Error("the next-edit engine process stopped");
        if (outcome.kind === "error")
            throw outcome.error;
        return { text: outcome.result.text, stopReason: outcome.result.stopReason };
    }

    private ensureLoaded(): Promise<EngineClient> {
        if (this.loaded != null)
            return this.loaded;
        const model = this.config.settings.nextEditModel;
        const settings = this.config.settings;
        const client = this.createClient();
        this.client = client;
        this.loadedModel = model;
        this.loaded = (async () => {
            const choice = nextEditModelPair(model, this.config.modelPairs.filter((pair) => pair.origin === "settings"));
            if (choice.kind !== "pair")
                throw this.unavailable(choice.kind === "invalid" ? choice.problem : "specula.nextEdit.model is empty: set it to a next-edit model (e.g. sweep-1.5b).", "error");
            const pair = choice.pair;
            let outcome;
            try {
                outcome = await loadPair(client, pair, pairLoadParams(pair, this.pairFolders(), { gpu: settings.gpu, threads: settings.threads, contextSize: settings.contextSize }));
            } catch (error) {
                // The engine's checks (a file that is not a usable model, a mismatched hash, not enough memory), said once;
                // not when a reset replaced this client while it loaded.
                if (this.client !== client)
                    throw error;
                throw this.unavailable(`the next-edit model "${pair.name}" could not be loaded: ${error instanceof Error ? error.message : String(error)}`, "error");
            }
            if (outcome.kind === "needsDownload")
                throw this.unavailable(outcome.message, "download");
            const result = outcome.result;
            this.log.info(`Loaded the next-edit model "${pair.name}" in ${result.loadMs} ms: ${result.targetPath}${result.draftPath != null ? `, draft ${result.draftPath}` : ""}.`);
            if (outcome.draftProblem != null)
                this.unavailable(`the next-edit model's draft is not used: ${outcome.draftProblem}`, "warning");
            return client;
        })().then((loaded) => loaded, (error: unknown) => {
            // A reset may have replaced this client (and disposed it) while it was loading.
            if (this.client === client) {
                this.loaded = undefined;
                this.client = undefined;
                this.loadedModel = undefined;
            }
            void client.dispose();
            throw error;
        });
        return this.loaded;
    }

    /** Folders of the pair: downloads go to specula.modelDirectory when it is an absolute path, as for completion pairs. */
    private pairFolders(): PairFolders {
        const directory = this.config.settings.modelDirectory;
        return { ...this.folders, modelDirectory: directory !== "" && path.isAbsolute(directory) ? directory : this.folders.modelDirectory };
    }

    /** Says a model problem once (logged, and shown: with a Download button for a missing download); returns the error to throw. */
    private unavailable(message: string, kind: "error" | "warning" | "download"): ModelUnavailable {
        if (!this.notified.has(message)) {
            this.notified.add(message);
            if (kind === "warning")
                this.log.warn(`Next edit: ${message}`);
            else
                this.log.error(`Next edit: ${message}`);
            if (kind === "download")
                void vscode.window.showInformationMessage(`Specula: ${message}`, "Download").then((choice) => {
                    if (choice === "Download")
                        void vscode.commands.executeCommand("specula.downloadNextEditModel");
                });
            else
                void (kind === "error" ? vscode.window.showErrorMessage : vscode.window.showWarningMessage)(`Specula: ${message}`);
        }
        return new ModelUnavailable(message);
    }

    /** Downloads the next-edit model's missing files with a cancellable progress notification (the user asked for it). */
    public async download(): Promise<boolean> {
        const choice = nextEditModelPair(this.config.settings.nextEditModel, this.config.modelPairs.filter((pair) => pair.origin === "settings"));
        if (choice.kind !== "pair") {
            void vscode.window.showErrorMessage(`Specula: ${choice.kind === "invalid" ? choice.problem : "specula.nextEdit.model is empty: there is nothing to download."}`);
            return false;
        }
        const pair = choice.pair;
        const folders = this.pairFolders();
        const settings = this.config.settings;
        const client = this.createClient();
        try {
            const missing = await sourcesToDownload(client, pairLoadParams(pair, folders, { gpu: settings.gpu, threads: settings.threads, contextSize: settings.contextSize }));
            if (missing.length === 0) {
                void vscode.window.showInformationMessage(`Specula: the models of "${pair.name}" are already downloaded.`);
                return true;
            }
            this.log.info(`Next edit: downloading ${missing.map((source) => source.uri).join(", ")} to ${folders.modelDirectory}`);
            await withDownloadProgress(pair.name, (report, signal) =>
                downloadPair(client, missing, folders, (update) => report(update.fraction, update.message), signal));
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            this.log.error(`Next edit: ${message}`);
            showDownloadStopped(error instanceof EngineClientError && error.code === "CANCELLED", message);
            return false;
        } finally {
            await client.dispose();
        }
        this.log.info(`Next edit: downloaded the models of "${pair.name}".`);
        this.notified.clear();
        return true;
    }

    /** A next edit from the llama.cpp server; its own speculation is set when the server is started (--spec-type ngram-mod, -md). */
    private async completeOnServer(request: Parameters<NextEditBackend["complete"]>[0]) {
        const settings = this.config.settings;
        const own = settings.nextEditServerUrl.trim() !== "";
        const apiKey = await this.options.serverApiKey?.();
        const server = new LlamaServerNextEdit({
            url: own ? settings.nextEditServerUrl : settings.serverUrl,
            urlSource: this.config.isUserSet(own ? "nextEditServerUrl" : "serverUrl") ? "user" : "default",
            timeoutMs: settings.serverTimeoutMs,
            ...(apiKey != null && apiKey !== "" ? { apiKey } : {})
        });
        return server.complete(request);
    }
}
