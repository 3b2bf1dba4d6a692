// `specula.backend`: the local engine or a llama.cpp server. The provider, the status bar and the
// statistics view talk to this one object; it forwards to whichever backend the setting names and
// switches when it changes (the local engine's process is shut down while a server is used).
import * as vscode from "vscode";
import type { BackendOutcome, BackendRequest } from "../completion/CompletionBackend";
import type { BackendKind, SpeculaConfig } from "./SpeculaConfig";
import type { BackendState } from "./BackendState";
import type { EngineController } from "./EngineController";
import type { ServerController } from "./ServerController";

/** What the editor side needs from whatever computes completions. */
export interface CompletionEngine {
    readonly state: BackendState;
    readonly onDidChangeState: vscode.Event<BackendState>;
    /** Speculative decoding will run (local: enabled and a compatible draft; server: as it reports). */
    readonly speculating: boolean;
    complete(request: BackendRequest, signal: AbortSignal, onText?: (delta: string) => void): Promise<BackendOutcome>;
}

export class BackendSwitch implements CompletionEngine, vscode.Disposable {
    private active: BackendKind;
    private readonly stateEmitter = new vscode.EventEmitter<BackendState>();
    private readonly disposables: vscode.Disposable[] = [];
    /** Switches run one after another, each to the backend the setting names when it starts. */
    private switching: Promise<void> = Promise.resolve();

    public readonly onDidChangeState = this.stateEmitter.event;

    public constructor(
        private readonly config: SpeculaConfig,
        private readonly local: EngineController,
        private readonly server: ServerController,
        private readonly log: vscode.LogOutputChannel
    ) {
        this.active = config.settings.backend;
        this.disposables.push(
            this.stateEmitter,
            local.onDidChangeState((state) => {
                if (this.active === "local")
                    this.stateEmitter.fire(state);
            }),
            server.onDidChangeState((state) => {
                if (this.active === "llamaServer")
                    this.stateEmitter.fire(state);
            }),
            config.onDidChange((changed) => {
                if (changed.has("backend"))
                    this.switching = this.switching.then(() => this.apply());
            })
        );
    }

    /** The backend in use. */
    public get kind(): BackendKind {
        return this.active;
    }

    public get state(): BackendState {
        return this.active === "local" ? this.local.state : this.server.state;
    }

    public get speculating(): boolean {
        return this.active === "local" ? this.local.speculating : this.server.speculating;
    }

    /** Starts the backend the settings name. Called once at start-up; nothing loads for the other one. */
    public async start(): Promise<void> {
        if (this.active === "local")
            await this.local.start();
        else
            await this.server.start();
    }

    public complete(request: BackendRequest, signal: AbortSignal, onText?: (delta: string) => void): Promise<BackendOutcome> {
        return this.active === "local" ? this.local.complete(request, signal, onText) : this.server.complete(request, signal, onText);
    }

    /** The restart command: a new engine process, or a new connection to the server. */
    public async restart(): Promise<void> {
        if (this.active === "local")
            await this.local.restart();
        else
            await this.server.reconnect();
    }

    public dispose(): void {
        for (const disposable of this.disposables)
            disposable.dispose();
    }

    private async apply(): Promise<void> {
        const wanted = this.config.settings.backend;
        if (wanted === this.active)
            return;
        this.active = wanted;
        if (wanted === "llamaServer") {
            this.log.info("specula.backend is llamaServer: completions come from the llama.cpp server; the local engine is stopped.");
            await this.local.suspend();
            await this.server.start();
        } else {
            this.log.info("specula.backend is local: completions come from the local engine again.");
            this.server.stop();
            await this.local.start();
        }
    }
}
