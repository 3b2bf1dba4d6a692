// Keeps the engine host in step with the settings: loads the selected pair (again when a model
// setting changes), passes decoding settings to the loaded engine, downloads models on request, and
// turns every failure into one state the status bar shows plus at most one notification per distinct
// message (never while the user types: notifications only follow loads, downloads and commands).
import * as path from "node:path";
import * as vscode from "vscode";
import { isRemoteModelUri, type ModelPair } from "../config/modelPairs";
import { decodingSettings, reloadSettings, type SettingName, type SpeculaConfig } from "./SpeculaConfig";
import type { EngineInfo } from "../common/EngineOptions";
import { EngineClientError, type CompleteOutcome, type EngineClient } from "../engineHost/EngineClient";
import type { LoadParams, ModelSource } from "../engineHost/protocol";
import type { BackendRequest } from "../completion/CompletionBackend";
import { formatBytes } from "../common/formatBytes";
import type { BackendState } from "./BackendState";
import { showDownloadStopped, withDownloadProgress } from "./downloadProgress";

export interface StoragePaths {
    /** Default folder for downloaded models. */
    readonly modelDirectory: string;
    /** Folder the built-in fixture pair is generated into. */
    readonly fixtureDirectory: string;
    /** Folder of Specula's own state (which model files matched their pinned SHA-256). */
    readonly stateDirectory?: string;
}

export class EngineController implements vscode.Disposable {
    private currentState: BackendState = { kind: "idle" };
    private readonly stateEmitter = new vscode.EventEmitter<BackendState>();
    private readonly disposables: vscode.Disposable[] = [];
    private loadGeneration = 0;
    private loadAbort: AbortController | undefined;
    private readonly notified = new Set<string>();
    private loaded: { pairName: string; info: EngineInfo } | undefined;
    /** Another backend computes completions: the engine process is stopped and model settings wait. */
    private suspended = false;

    public readonly onDidChangeState = this.stateEmitter.event;

    public constructor(
        private readonly config: SpeculaConfig,
        private readonly client: EngineClient,
        private readonly paths: StoragePaths,
        private readonly log: vscode.LogOutputChannel
    ) {
        this.disposables.push(
            this.stateEmitter,
            config.onDidChange((changed) => void this.onSettingsChanged(changed)),
            client.onDidCrash((crash) => {
                this.loaded = undefined;
                if (this.suspended)
                    return;
                if (crash.restartInMs != null)
                    this.setState({ kind: "restarting", message: crash.message });
                else {
                    this.setState({ kind: "error", message: crash.message });
                    this.notifyOnce(crash.message, "error");
                }
            }),
            client.onDidRestart((outcome) => {
                if (this.suspended)
                    return;
                const pair = this.config.selectedPair;
                if (outcome.result != null && pair != null) {
                    this.loaded = { pairName: pair.name, info: outcome.result.info };
                    this.setState({ kind: "ready", pair, info: outcome.result.info });
                    this.log.info("The engine was restarted and the model pair reloaded.");
                } else if (outcome.error != null)
                    this.fail(outcome.error, pair);
            })
        );
    }

    public get state(): BackendState {
        return this.currentState;
    }

    /** The engine info while ready. */
    public get info(): EngineInfo | undefined {
        return this.currentState.kind === "ready" ? this.currentState.info : undefined;
    }

    /** Speculation will actually run: enabled in settings and a compatible draft is loaded. */
    public get speculating(): boolean {
        return this.config.settings.speculative && this.info?.speculationAvailable === true;
    }

    /** Loads the selected pair unless completions are off. Called once at start-up. */
    public async start(): Promise<void> {
        this.suspended = false;
        if (!this.config.settings.enable) {
            this.setState({ kind: "disabled" });
            return;
        }
        await this.reload();
    }

    /** (Re)loads the selected pair. A newer call supersedes (and cancels) an older one. */
    public async reload(): Promise<void> {
        const generation = ++this.loadGeneration;
        this.loadAbort?.abort();
        const abort = new AbortController();
        this.loadAbort = abort;
        const pair = this.config.selectedPair;
        if (pair == null) {
            this.loaded = undefined;
            const message = `No model pair named "${this.config.settings.selectedPair}". Run "Specula: Select Model Pair…".`;
            this.setState({ kind: "error", message });
            this.notifyOnce(message, "error");
            return;
        }
        const params = this.loadParams(pair);
        try {
            const sources = [params.target, ...(params.draft != null ? [params.draft] : [])];
            if (sources.some((source) => isRemoteModelUri(source.uri))) {
                const resolved = await this.client.resolve({ sources, modelDirectory: params.modelDirectory });
                if (generation !== this.loadGeneration)
                    return;
                const missing = sources.filter((_, index) => resolved.paths[index] == null);
                if (missing.length > 0) {
                    this.loaded = undefined;
                    const message = `The models of "${pair.name}" are not downloaded yet (${missing.length} file${missing.length > 1 ? "s" : ""}).`;
                    this.setState({ kind: "needsDownload", pair, message });
                    this.log.warn(message);
                    this.offerDownload(message);
                    return;
                }
            }
            this.setState({ kind: "loading", pair });
            this.log.info(`Loading "${pair.name}"…`);
            const result = await this.client.load(params, abort.signal);
            if (generation !== this.loadGeneration)
                return;
            this.loaded = { pairName: pair.name, info: result.info };
            this.log.info(`Loaded "${pair.name}" in ${result.loadMs} ms: target ${result.targetPath}${result.draftPath != null ? `, draft ${result.draftPath}` : ""}.`);
            // Settings may have changed while loading; the loaded engine gets the current ones.
            await this.client.setDecodingOptions(this.decodingOptions());
            if (!result.info.speculationAvailable && pair.draft != null) {
                const reason = result.info.speculationUnavailableReason ?? "the draft model cannot be used with this target";
                this.log.warn(reason);
                this.notifyOnce(reason, "warning");
            }
            this.setState({ kind: "ready", pair, info: result.info });
        } catch (error) {
            if (generation !== this.loadGeneration)
                return;
            this.loaded = undefined;
            this.fail(error, pair);
        }
    }

    /**
     * Another backend takes over: stops loading, shuts the engine process down (its memory is
     * freed) and ignores model settings until `start()`.
     */
    public async suspend(): Promise<void> {
        this.suspended = true;
        ++this.loadGeneration;
        this.loadAbort?.abort();
        this.loaded = undefined;
        await this.client.unload();
        this.setState({ kind: "idle" });
    }

    /** Asks the engine for a completion, streamed to `onText` when given; never throws (see CompleteOutcome). */
    public async complete(request: BackendRequest, signal: AbortSignal, onText?: (delta: string) => void): Promise<CompleteOutcome> {
        return this.client.complete(request, signal, onText);
    }

    /** Downloads the selected pair's remote models with a cancellable progress notification. */
    public async downloadSelectedPair(): Promise<boolean> {
        const pair = this.config.selectedPair;
        if (pair == null) {
            void vscode.window.showErrorMessage(`Specula: no model pair named "${this.config.settings.selectedPair}".`);
            return false;
        }
        const params = this.loadParams(pair);
        const sources = [params.target, ...(params.draft != null ? [params.draft] : [])].filter((source) => isRemoteModelUri(source.uri));
        if (sources.length === 0) {
            void vscode.window.showInformationMessage(`Specula: "${pair.name}" uses local models; there is nothing to download.`);
            return true;
        }
        const previous = this.currentState;
        this.setState({ kind: "downloading", pair, fraction: 0 });
        this.log.info(`Downloading ${sources.map((source) => source.uri).join(", ")} to ${params.modelDirectory}`);
        try {
            await withDownloadProgress(pair.name, (report, signal) =>
                this.client.download({ sources, modelDirectory: params.modelDirectory, ...(params.stateDirectory != null ? { stateDirectory: params.stateDirectory } : {}) }, (update) => {
                    const fraction = update.totalBytes > 0 ? update.downloadedBytes / update.totalBytes : 0;
                    const overall = (update.index + fraction) / sources.length;
                    report(overall, `file ${update.index + 1} of ${sources.length}: ${formatBytes(update.downloadedBytes)} of ${formatBytes(update.totalBytes)}`);
                    this.setState({ kind: "downloading", pair, fraction: overall });
                }, signal));
        } catch (error) {
            const clientError = asClientError(error);
            this.log.error(clientError.message);
            this.setState(previous.kind === "downloading" ? { kind: "idle" } : previous);
            showDownloadStopped(clientError.code === "CANCELLED", clientError.message);
            await this.reload();
            return false;
        }
        this.log.info(`Downloaded the models of "${pair.name}".`);
        await this.reload();
        return true;
    }

    /** Replaces the engine process and loads the selected pair in the new one. */
    public async restart(): Promise<void> {
        this.log.info("Restarting the engine…");
        this.notified.clear();
        await this.client.unload();
        if (this.config.settings.enable)
            await this.reload();
        else
            this.setState({ kind: "disabled" });
    }

    public dispose(): void {
        this.loadAbort?.abort();
        for (const disposable of this.disposables)
            disposable.dispose();
    }

    private async onSettingsChanged(changed: ReadonlySet<SettingName>): Promise<void> {
        if (this.suspended)
            return;
        const settings = this.config.settings;
        if (changed.has("enable")) {
            this.log.info(`Completions ${settings.enable ? "enabled" : "disabled"}.`);
            if (!settings.enable) {
                this.setState({ kind: "disabled" });
                return;
            }
            if (this.loaded != null && this.loaded.pairName === this.config.selectedPair?.name && ![...changed].some((name) => reloadSettings.includes(name))) {
                this.setState({ kind: "ready", pair: this.config.selectedPair, info: this.loaded.info });
                return;
            }
            await this.reload();
            return;
        }
        if (!settings.enable)
            return;
        if ([...changed].some((name) => reloadSettings.includes(name))) {
            this.log.info(`Model settings changed (${[...changed].join(", ")}); reloading.`);
            await this.reload();
            return;
        }
        if ([...changed].some((name) => decodingSettings.includes(name))) {
            try {
                await this.client.setDecodingOptions(this.decodingOptions());
            } catch (error) {
                this.log.warn(`Could not apply decoding settings: ${asClientError(error).message}`);
            }
            // The status bar derives "speculation off" from the settings; re-announce the state.
            this.setState(this.currentState);
        }
    }

    private loadParams(pair: ModelPair): LoadParams {
        const settings = this.config.settings;
        const source = (uri: string, sha256?: string): ModelSource => ({ uri, ...(sha256 != null ? { sha256 } : {}) });
        return {
            target: source(pair.target, pair.targetSha256),
            ...(pair.draft != null ? { draft: source(pair.draft, pair.draftSha256) } : {}),
            modelDirectory: settings.modelDirectory !== "" && path.isAbsolute(settings.modelDirectory) ? settings.modelDirectory : this.paths.modelDirectory,
            fixtureDirectory: this.paths.fixtureDirectory,
            ...(this.paths.stateDirectory != null ? { stateDirectory: this.paths.stateDirectory } : {}),
            options: {
                gpu: settings.gpu,
                threads: settings.threads,
                contextSize: settings.contextSize,
                ...this.decodingOptions()
            }
        };
    }

    private decodingOptions() {
        const settings = this.config.settings;
        return {
            speculative: settings.speculative,
            drafter: settings.drafter,
            draftMax: settings.draftMax,
            adaptiveDraft: settings.adaptiveDraft,
            draftConfidence: settings.draftConfidence,
            lookupPool: settings.lookupPool
        };
    }

    private fail(error: unknown, pair: ModelPair | undefined): void {
        const clientError = asClientError(error);
        if (clientError.code === "CANCELLED")
            return;
        this.log.error(clientError.message);
        this.setState({ kind: "error", message: clientError.message, ...(pair != null ? { pair } : {}) });
        this.notifyOnce(clientError.message, "error");
    }

    private offerDownload(message: string): void {
        if (this.notified.has(message))
            return;
        this.notified.add(message);
        void vscode.window.showInformationMessage(`Specula: ${message}`, "Download", "Select Another Pair").then((choice) => {
            if (choice === "Download")
                void vscode.commands.executeCommand("specula.downloadModels");
            else if (choice === "Select Another Pair")
                void vscode.commands.executeCommand("specula.selectModelPair");
        });
    }

    private notifyOnce(message: string, severity: "error" | "warning"): void {
        if (this.notified.has(message))
            return;
        this.notified.add(message);
        const show = severity === "error" ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
        void show(`Specula: ${message}`, "Open Log").then((choice) => {
            if (choice === "Open Log")
                this.log.show(true);
        });
    }

    private setState(state: BackendState): void {
        this.currentState = state;
        this.stateEmitter.fire(state);
    }
}

function asClientError(error: unknown): EngineClientError {
    if (error instanceof EngineClientError)
        return error;
    return new EngineClientError("INTERNAL", error instanceof Error ? error.message : String(error));
}
