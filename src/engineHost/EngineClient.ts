// The extension's side of the engine host: forks the host process, sends typed requests, turns an
// AbortSignal into `$/cancelRequest`, and survives the process dying (pending completions resolve
// as "crashed", the process restarts with back-off and reloads the last model pair). No `vscode`
// import, so it is tested with plain mocha against a host process running a fake engine.
import { fork, type ChildProcess } from "node:child_process";
import {
    CancellationTokenSource,
    createMessageConnection,
    Emitter,
    IPCMessageReader,
    IPCMessageWriter,
    ResponseError,
    type Event,
    type MessageConnection,
    type RequestType,
    type RequestType0
} from "vscode-jsonrpc/node";
import type { CumulativeStats } from "../common/CompletionTypes";
import {
    completeRequest,
    completionTextNotification,
    downloadProgressNotification,
    downloadRequest,
    hostErrorRpcCode,
    loadRequest,
    logNotification,
    resolveRequest,
    setDecodingOptionsRequest,
    shutdownRequest,
    statsRequest,
    type CompleteParams,
    type CompleteResult,
    type DecodingOptions,
    type DownloadParams,
    type DownloadProgress,
    type DownloadResult,
    type HostErrorCode,
    type HostErrorData,
    type LoadParams,
    type LoadResult,
    type LogParams,
    type ResolveParams,
    type ResolveResult
} from "./protocol";

/** A failure reported by (or about) the engine host, with a message written for the user. */
export class EngineClientError extends Error {
    public constructor(public readonly code: HostErrorCode, message: string) {
        super(message);
        this.name = "EngineClientError";
    }
}

export type CompleteOutcome =
    | { readonly kind: "result"; readonly result: CompleteResult }
    /** The engine process died during the request; the caller shows nothing. */
    | { readonly kind: "crashed" }
    | { readonly kind: "error"; readonly error: EngineClientError };

export interface CrashInfo {
    readonly exitCode: number | null;
    readonly signal: NodeJS.Signals | null;
    /** What the process was doing: a crash while loading is not retried automatically. */
    readonly phase: "load" | "complete" | "download" | "idle";
    /** One line for the user, naming what failed. */
    readonly message: string;
    /** Milliseconds until the automatic restart, or undefined when there is none. */
    readonly restartInMs?: number;
}

export interface RestartOutcome {
    readonly result?: LoadResult;
    readonly error?: EngineClientError;
}

export interface EngineClientOptions {
    /** Path of the bundled engine host script (dist/engineHost.js). */
    readonly hostScript: string;
    readonly log: (level: LogParams["level"], message: string) => void;
    /** Node binary to run the host with. Defaults to process.execPath (with ELECTRON_RUN_AS_NODE). */
    readonly execPath?: string;
    readonly env?: NodeJS.ProcessEnv;
    /** Delay before the n-th consecutive automatic restart. Defaults to 1 s, 2 s, 5 s, 10 s, 30 s. */
    readonly restartDelaysMs?: readonly number[];
    /** Consecutive crashes after which automatic restarts stop. Defaults to 5. */
    readonly maxConsecutiveCrashes?: number;
    /** A process that ran this long resets the consecutive crash count. Defaults to 60 s. */
    readonly stableAfterMs?: number;
    /** How long `dispose()` waits for a clean shutdown before killing. Defaults to 3 s. */
    readonly shutdownTimeoutMs?: number;
}

interface HostProcess {
    readonly child: ChildProcess;
    readonly connection: MessageConnection;
    readonly startedAt: number;
    readonly exited: Promise<void>;
    readonly stderrTail: string[];
    expectedExit: boolean;
    inFlight: { load: number; complete: number; download: number };
}

const defaultRestartDelaysMs = [1000, 2000, 5000, 10_000, 30_000];

export class EngineClient {
    private readonly options: EngineClientOptions;
    private host: HostProcess | undefined;
    private lastLoad: LoadParams | undefined;
    private consecutiveCrashes = 0;
    private restartTimer: NodeJS.Timeout | undefined;
    private nextRequestId = 1;
    private nextDownloadId = 1;
    private readonly downloadListeners = new Map<number, (progress: DownloadProgress) => void>();
    private readonly textListeners = new Map<number, (delta: string) => void>();
    private readonly crashEmitter = new Emitter<CrashInfo>();
    private readonly restartEmitter = new Emitter<RestartOutcome>();
    private disposed = false;

    /** Fires once per unexpected exit of the host process. */
    public readonly onDidCrash: Event<CrashInfo> = this.crashEmitter.event;
    /** Fires after an automatic restart has reloaded (or failed to reload) the last model pair. */
    public readonly onDidRestart: Event<RestartOutcome> = this.restartEmitter.event;

    public constructor(options: EngineClientOptions) {
        this.options = options;
    }

    /** Process id of the running host, for diagnostics and tests. */
    public get pid(): number | undefined {
        return this.host?.child.pid;
    }

    /** Loads a model pair, replacing the loaded one. Remembered for automatic restarts. */
    public async load(params: LoadParams, signal?: AbortSignal): Promise<LoadResult> {
        this.lastLoad = params;
        return this.send(loadRequest, params, "load", signal);
    }

    /**
     * Never throws: a crash or an error is part of the outcome, an abort resolves with partial text.
     * With `onText` the host streams the completion: `onText` receives each piece of text as the
     * engine commits it, all before this resolves.
     */
    public async complete(params: Omit<CompleteParams, "requestId" | "stream">, signal?: AbortSignal, onText?: (delta: string) => void): Promise<CompleteOutcome> {
        const requestId = this.nextRequestId++;
        if (onText != null)
            this.textListeners.set(requestId, onText);
        try {
            const result = await this.send(completeRequest, { ...params, requestId, ...(onText != null ? { stream: true } : {}) }, "complete", signal);
            return { kind: "result", result };
        } catch (error) {
            const clientError = error as EngineClientError;
            return clientError.code === "ENGINE_CRASHED" ? { kind: "crashed" } : { kind: "error", error: clientError };
        } finally {
            this.textListeners.delete(requestId);
        }
    }

    public async setDecodingOptions(options: DecodingOptions): Promise<void> {
        if (this.lastLoad != null)
            this.lastLoad = { ...this.lastLoad, options: { ...this.lastLoad.options, ...options } };
        if (this.host != null)
            await this.send(setDecodingOptionsRequest, options, "idle");
    }

    /** Cumulative statistics of the loaded engine, or null when none is loaded or the host is down. */
    public async stats(): Promise<CumulativeStats | null> {
        if (this.host == null)
            return null;
        return this.send(statsRequest, undefined, "idle").catch(() => null);
    }

    /** Finds which sources are already on disk, without any network access. */
    public async resolve(params: ResolveParams): Promise<ResolveResult> {
        return this.send(resolveRequest, params, "idle");
    }

    public async download(
        params: Omit<DownloadParams, "downloadId">,
        onProgress?: (progress: DownloadProgress) => void,
        signal?: AbortSignal
    ): Promise<DownloadResult> {
        const downloadId = this.nextDownloadId++;
        if (onProgress != null)
            this.downloadListeners.set(downloadId, onProgress);
        try {
            return await this.send(downloadRequest, { ...params, downloadId }, "download", signal);
        } finally {
            this.downloadListeners.delete(downloadId);
        }
    }

    /** Replaces the host process with a fresh one and reloads the last model pair, if any. */
    public async restart(): Promise<LoadResult | undefined> {
        this.clearRestartTimer();
        this.consecutiveCrashes = 0;
        await this.stopHost();
        return this.lastLoad != null ? this.load(this.lastLoad) : undefined;
    }

    /** Forgets the model pair so that a crash does not reload it, and unloads it from the host. */
    public async unload(): Promise<void> {
        this.lastLoad = undefined;
        this.clearRestartTimer();
        await this.stopHost();
    }

    public async dispose(): Promise<void> {
        if (this.disposed)
            return;
        this.disposed = true;
        this.clearRestartTimer();
        await this.stopHost();
        this.crashEmitter.dispose();
        this.restartEmitter.dispose();
    }

    private async send<P, R>(
        type: RequestType<P, R, HostErrorData> | RequestType0<R, void>,
        params: P,
        phase: keyof HostProcess["inFlight"] | "idle",
        signal?: AbortSignal
    ): Promise<R> {
        if (this.disposed)
            throw new EngineClientError("ENGINE_DISPOSED", "The Specula engine has been shut down.");
        const host = this.ensureHost();
        const source = new CancellationTokenSource();
        const onAbort = () => source.cancel();
        if (signal?.aborted)
            source.cancel();
        signal?.addEventListener("abort", onAbort, { once: true });
        if (phase !== "idle")
            host.inFlight[phase]++;
        try {
            return type.numberOfParams === 0
                ? await host.connection.sendRequest(type as RequestType0<R, void>, source.token)
                : await host.connection.sendRequest(type as RequestType<P, R, HostErrorData>, params, source.token);
        } catch (error) {
            throw await this.toClientError(error, host);
        } finally {
            if (phase !== "idle")
                host.inFlight[phase]--;
            signal?.removeEventListener("abort", onAbort);
            source.dispose();
        }
    }

    private async toClientError(error: unknown, host: HostProcess): Promise<EngineClientError> {
        if (error instanceof ResponseError && error.code === hostErrorRpcCode) {
            const data = error.data as HostErrorData | undefined;
            return new EngineClientError(data?.code ?? "INTERNAL", error.message);
        }
        // Anything else means the channel broke: the process died (or is about to).
        if (host.child.exitCode == null && host.child.signalCode == null)
            await Promise.race([host.exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
        return new EngineClientError("ENGINE_CRASHED", this.crashMessage(host, host.child.exitCode, host.child.signalCode));
    }

    private ensureHost(): HostProcess {
        if (this.host != null)
            return this.host;
        const child = fork(this.options.hostScript, [], {
            execPath: this.options.execPath ?? process.execPath,
            execArgv: [],
            env: { ...(this.options.env ?? process.env), ELECTRON_RUN_AS_NODE: "1" },
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            serialization: "json"
        });
        const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
        const stderrTail: string[] = [];
        let onExit!: () => void;
        const exited = new Promise<void>((resolve) => { onExit = resolve; });
        const host: HostProcess = {
            child, connection, startedAt: Date.now(), exited, stderrTail, expectedExit: false,
            inFlight: { load: 0, complete: 0, download: 0 }
        };
        forEachLine(child.stdout, (line) => this.options.log("trace", `[engine] ${line}`));
        forEachLine(child.stderr, (line) => {
            stderrTail.push(line);
            if (stderrTail.length > 30)
                stderrTail.shift();
            this.options.log("info", `[engine stderr] ${line}`);
        });
        connection.onNotification(logNotification, ({ level, message }) => this.options.log(level, message));
        connection.onNotification(downloadProgressNotification, (progress) => this.downloadListeners.get(progress.downloadId)?.(progress));
        connection.onNotification(completionTextNotification, ({ requestId, delta }) => this.textListeners.get(requestId)?.(delta));
        connection.onError(([error]) => this.options.log("trace", `Engine channel error: ${error.message}`));
        child.on("error", (error) => this.options.log("error", `Engine host process error: ${error.message}`));
        child.once("exit", (code, signal) => {
            onExit();
            connection.dispose();
            if (this.host === host)
                this.host = undefined;
            if (!host.expectedExit && !this.disposed)
                this.handleCrash(host, code, signal);
        });
        connection.listen();
        this.host = host;
        this.options.log("info", `Engine host started (pid ${child.pid ?? "?"}).`);
        return host;
    }

    private handleCrash(host: HostProcess, exitCode: number | null, signal: NodeJS.Signals | null): void {
        const phase = host.inFlight.load > 0 ? "load"
            : host.inFlight.complete > 0 ? "complete"
            : host.inFlight.download > 0 ? "download"
            : "idle";
        if (Date.now() - host.startedAt >= (this.options.stableAfterMs ?? 60_000))
            this.consecutiveCrashes = 0;
        this.consecutiveCrashes++;
        const delays = this.options.restartDelaysMs ?? defaultRestartDelaysMs;
        const canRestart = phase !== "load"
            && this.lastLoad != null
            && this.consecutiveCrashes <= (this.options.maxConsecutiveCrashes ?? 5);
        const restartInMs = canRestart ? delays[Math.min(this.consecutiveCrashes - 1, delays.length - 1)] ?? 1000 : undefined;
        const message = this.crashMessage(host, exitCode, signal, phase);
        this.options.log("error", message + (restartInMs != null ? ` Restarting in ${restartInMs} ms.` : ""));
        this.crashEmitter.fire({ exitCode, signal, phase, message, ...(restartInMs != null ? { restartInMs } : {}) });
        if (restartInMs != null)
            this.restartTimer = setTimeout(() => void this.autoRestart(), restartInMs);
    }

    private async autoRestart(): Promise<void> {
        this.restartTimer = undefined;
        const params = this.lastLoad;
        if (this.disposed || params == null)
            return;
        try {
            const result = await this.load(params);
            this.restartEmitter.fire({ result });
        } catch (error) {
            this.restartEmitter.fire({ error: error as EngineClientError });
        }
    }

    private crashMessage(host: HostProcess, exitCode: number | null, signal: NodeJS.Signals | null, phase?: CrashInfo["phase"]): string {
        const how = signal != null ? `was killed by ${signal}` : exitCode != null ? `exited with code ${exitCode}` : "stopped responding";
        const doing = phase === "load" ? " while loading the model pair" : phase === "complete" ? " while generating" : phase === "download" ? " while downloading" : "";
        const detail = host.stderrTail.findLast((line) => /GGML_ASSERT|error|abort|fatal|terminate/i.test(line));
        return `The Specula engine process ${how}${doing}.${detail != null ? ` Last message: ${detail.trim().slice(0, 300)}` : ""}`;
    }

    private async stopHost(): Promise<void> {
        const host = this.host;
        if (host == null)
            return;
        host.expectedExit = true;
        this.host = undefined;
        const timeout = this.options.shutdownTimeoutMs ?? 3000;
        const timer = new Promise<void>((resolve) => setTimeout(resolve, timeout).unref());
        await Promise.race([host.connection.sendRequest(shutdownRequest).catch(() => undefined), timer]);
        await Promise.race([host.exited, new Promise<void>((resolve) => setTimeout(resolve, 1000).unref())]);
        if (host.child.exitCode == null && host.child.signalCode == null) {
            host.child.kill("SIGKILL");
            await host.exited;
        }
        this.options.log("info", "Engine host stopped.");
    }

    private clearRestartTimer(): void {
        if (this.restartTimer != null)
            clearTimeout(this.restartTimer);
        this.restartTimer = undefined;
    }
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
    if (stream == null)
        return;
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, newline).trimEnd();
            buffered = buffered.slice(newline + 1);
            if (line !== "")
                onLine(line);
        }
    });
}
