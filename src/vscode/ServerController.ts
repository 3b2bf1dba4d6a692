// The llama.cpp server backend in the editor: builds a LlamaServerBackend from the settings and the
// API key in VS Code's secret storage, builds it again when either changes, and turns its health
// into the state the status bar shows, with one log line per change of health (never a pop-up:
// health changes while the user types). The key never reaches a setting or the log.
import * as vscode from "vscode";
import type { BackendOutcome, BackendRequest } from "../completion/CompletionBackend";
import { serverSettings, type SettingName, type SpeculaConfig } from "./SpeculaConfig";
import { LlamaServerBackend, type ServerHealth } from "../llamaServer/LlamaServerBackend";
import type { BackendState } from "./BackendState";

/** Secret-storage key of the server's API key. */
export const serverApiKeySecret = "specula.llamaServer.apiKey";

export class ServerController implements vscode.Disposable {
    private backend: LlamaServerBackend | undefined;
    private healthSubscription: { dispose(): void } | undefined;
    private currentState: BackendState = { kind: "idle" };
    private readonly stateEmitter = new vscode.EventEmitter<BackendState>();
    private readonly disposables: vscode.Disposable[] = [];
    private active = false;
    /** Connecting reads the secret store first; a newer connect supersedes an older one. */
    private connectGeneration = 0;
    private readonly cleartextWarned = new Set<string>();

    public readonly onDidChangeState = this.stateEmitter.event;

    public constructor(
        private readonly config: SpeculaConfig,
        private readonly secrets: vscode.SecretStorage,
        private readonly log: vscode.LogOutputChannel
    ) {
        this.disposables.push(
            this.stateEmitter,
            config.onDidChange((changed) => {
                if (this.active && (changed.has("enable") || [...changed].some((name: SettingName) => serverSettings.includes(name))))
                    void this.connect();
            }),
            secrets.onDidChange((event) => {
                if (this.active && event.key === serverApiKeySecret)
                    void this.connect();
            })
        );
    }

    public get state(): BackendState {
        return this.currentState;
    }

    /** The server decodes speculatively (as far as it says). */
    public get speculating(): boolean {
        const health = this.backend?.health;
        return health?.kind === "ready" && health.model.speculative === true;
    }

    /** host:port of the configured server, for messages. */
    public get display(): string {
        return this.backend?.display ?? this.config.settings.serverUrl;
    }

    /** Starts using the server: connects unless completions are off. */
    public async start(): Promise<void> {
        this.active = true;
        await this.connect();
    }

    /** Stops using the server: no more requests or health checks. */
    public stop(): void {
        this.active = false;
        this.connectGeneration++;
        this.disposeBackend();
        this.setState({ kind: "idle" });
    }

    /** Connects again now (the restart command). */
    public async reconnect(): Promise<void> {
        if (this.backend != null)
            this.backend.reconnect();
        else if (this.active)
            await this.connect();
    }

    public complete(request: BackendRequest, signal: AbortSignal, onText?: (delta: string) => void): Promise<BackendOutcome> {
        if (this.backend == null)
            return Promise.resolve({ kind: "error", error: { code: "SERVER_NOT_READY", message: "the llama.cpp server backend is not in use" } });
        return this.backend.complete(request, signal, onText);
    }

    /** Stores the API key in the secret store (empty or undefined removes it); the backend reconnects with it. */
    public async setApiKey(key: string | undefined): Promise<void> {
        if (key == null || key.trim() === "")
            await this.secrets.delete(serverApiKeySecret);
        else
            await this.secrets.store(serverApiKeySecret, key.trim());
    }

    public dispose(): void {
        this.active = false;
        this.disposeBackend();
        for (const disposable of this.disposables)
            disposable.dispose();
    }

    private async connect(): Promise<void> {
        const generation = ++this.connectGeneration;
        this.disposeBackend();
        const settings = this.config.settings;
        if (!settings.enable) {
            this.setState({ kind: "disabled" });
            return;
        }
        const apiKey = await this.secrets.get(serverApiKeySecret);
        if (generation !== this.connectGeneration || !this.active)
            return;
        const backend = new LlamaServerBackend({
            url: settings.serverUrl,
            urlSource: this.config.isUserSet("serverUrl") ? "user" : "default",
            timeoutMs: settings.serverTimeoutMs,
            ...(apiKey != null && apiKey !== "" ? { apiKey } : {})
        });
        this.backend = backend;
        if (backend.cleartext && !this.cleartextWarned.has(backend.display)) {
            this.cleartextWarned.add(backend.display);
            this.log.warn(`specula.serverUrl uses http to another machine (${backend.display}): code and the API key travel unencrypted. Use https where you can.`);
        }
        this.healthSubscription = backend.onDidChangeHealth((health) => this.onHealth(backend, health));
        this.onHealth(backend, backend.health);
    }

    private onHealth(backend: LlamaServerBackend, health: ServerHealth): void {
        if (backend !== this.backend)
            return;
        const where = `llama-server at ${backend.display}`;
        if (health.kind === "ready") {
            const model = health.model;
            const speculation = model.speculative === true ? "on" : model.speculative === false ? "off" : "not reported";
            this.log.info(`${where}: ready, model ${model.name}, context ${model.contextSize} tokens per slot, ${model.slots} slot${model.slots > 1 ? "s" : ""}, ${model.fim.layout.toUpperCase()} infill, speculative decoding ${speculation}.`);
        } else if (health.kind === "connecting")
            this.log.info(`Connecting to ${where}…`);
        else
            this.log.warn(`${where}: ${healthLabel(health)}: ${health.message}${health.kind === "misconfigured" ? "" : " (retrying by itself)"}`);
        this.setState({ kind: "server", display: backend.display, health });
    }

    private disposeBackend(): void {
        this.healthSubscription?.dispose();
        this.healthSubscription = undefined;
        this.backend?.dispose();
        this.backend = undefined;
    }

    private setState(state: BackendState): void {
        this.currentState = state;
        this.stateEmitter.fire(state);
    }
}

/** A few words for a health state (status bar, log). */
export function healthLabel(health: ServerHealth): string {
    switch (health.kind) {
        case "connecting":
            return "connecting";
        case "ready":
            return "ready";
        case "misconfigured":
            return "address not usable";
        case "offline":
            return "offline";
        case "unauthorized":
            return "API key rejected";
        case "slow":
            return "too slow";
        case "loading":
            return "loading its model";
        case "failing":
            return "server error";
        case "noFim":
            return "model cannot fill in the middle";
    }
}
