// Next-edit suggestions in the editor (issue 22, item 1). After the user edits a document, the
// next-edit model (specula.nextEdit.model, in an engine process of its own, beside the completion
// pair's) rewrites the window around the cursor; the edit it implies is offered through an inline
// completion item: ghost text for an insertion at the cursor, otherwise an item whose range replaces
// text. VS Code applies it only when the user accepts (Tab) and drops it on Escape; nothing here
// writes to a document. A prediction that no longer applies is dropped (src/nextEdit's rules).
import * as vscode from "vscode";
import type { EngineClient } from "../host/EngineClient";
import { NextEditSession, type NextEditBackend } from "../nextEdit/NextEditSession";
import { PendingNextEdits, type NextEditOffer } from "../nextEdit/nextEditOffer";
import type { NextEditOutcome } from "../nextEdit/nextEditOutput";
import type { SpeculaConfig } from "./SpeculaConfig";

export interface NextEditFolders {
    readonly modelDirectory: string;
    readonly fixtureDirectory: string;
    readonly stateDirectory: string;
}

export class NextEditController implements vscode.InlineCompletionItemProvider, vscode.Disposable {
    private readonly session: NextEditSession;
    private readonly pending: PendingNextEdits;
    /** Each open document's text as last seen: the "before" of its next change. */
    private readonly texts = new Map<string, string>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private client: EngineClient | undefined;
    private loaded: Promise<void> | undefined;
    private loadedModel: string | undefined;
    private inFlight: AbortController | undefined;
    private idle: Promise<void> = Promise.resolve();
    /** The last prediction's outcome, for the extension-host tests. */
    public lastOutcome: NextEditOutcome | undefined;

    public constructor(
        private readonly config: SpeculaConfig,
        private readonly createClient: () => EngineClient,
        private readonly folders: NextEditFolders,
        private readonly log: vscode.LogOutputChannel
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
            config.onDidChange((changed) => {
                if (changed.has("nextEditEnabled") || changed.has("nextEditModel"))
                    void this.reset();
            })
        );
        this.seed();
    }

    public get active(): boolean {
        return this.config.settings.nextEditEnabled && this.config.settings.nextEditModel.trim() !== "";
    }

    /** Resolves once the prediction in flight (if any) has settled. */
    public whenIdle(): Promise<void> {
        return this.idle;
    }

    public provideInlineCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.InlineCompletionList | undefined {
        if (!this.active)
            return undefined;
        const offer = this.pending.offer(document.uri.toString(), document.getText(), document.offsetAt(position));
        return offer == null ? undefined : new vscode.InlineCompletionList([this.itemOf(document, position, offer)]);
    }

    public async toggle(): Promise<void> {
        const enabled = !this.config.settings.nextEditEnabled;
        await this.config.update("nextEditEnabled", enabled);
        if (enabled && this.config.settings.nextEditModel.trim() === "")
            void vscode.window.showInformationMessage("Specula: next-edit suggestions are on, but specula.nextEdit.model is empty: set it to a next-edit GGUF model.");
        else
            vscode.window.setStatusBarMessage(`Specula: next-edit suggestions ${enabled ? "on" : "off"}`, 2000);
    }

    public dispose(): void {
        this.inFlight?.abort(new Error("disposed"));
        for (const subscription of this.subscriptions)
            subscription.dispose();
        void this.client?.dispose();
    }

    private itemOf(document: vscode.TextDocument, position: vscode.Position, offer: NextEditOffer): vscode.InlineCompletionItem {
        if (offer.kind === "insertAtCursor")
            return new vscode.InlineCompletionItem(offer.text, new vscode.Range(position, position));
        return new vscode.InlineCompletionItem(offer.text, new vscode.Range(document.positionAt(offer.start), document.positionAt(offer.end)));
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
        this.session.clear();
        this.seed();
        if (this.client != null && (!this.active || this.loadedModel !== this.config.settings.nextEditModel)) {
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
        if (before == null)
            return;
        this.session.documentChanged(vscode.workspace.asRelativePath(document.uri, false), before, after);
        const editor = vscode.window.activeTextEditor;
        const cursorLine = editor?.document === document ? editor.selection.active.line : event.contentChanges[0]!.range.start.line;
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
            if (vscode.window.activeTextEditor?.document === document)
                await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        } catch (error) {
            if (!signal.aborted)
                this.log.warn(`Next edit: ${(error as Error).message}`);
        }
    }

    private async complete(request: Parameters<NextEditBackend["complete"]>[0]) {
        await this.ensureLoaded();
        const outcome = await this.client!.complete({
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

    private ensureLoaded(): Promise<void> {
        if (this.loaded != null)
            return this.loaded;
        const model = this.config.settings.nextEditModel;
        const settings = this.config.settings;
        const client = this.createClient();
        this.client = client;
        this.loadedModel = model;
        this.loaded = client.load({
            target: { uri: model },
            ...this.folders,
            options: { gpu: settings.gpu, threads: settings.threads, contextSize: settings.contextSize }
        }).then((result) => {
            this.log.info(`Loaded the next-edit model ${result.targetPath} in ${result.loadMs} ms.`);
        }, (error: unknown) => {
            this.loaded = undefined;
            this.client = undefined;
            void client.dispose();
            throw error;
        });
        return this.loaded;
    }
}
