// The engine host's side of the protocol: owns at most one engine, maps requests to it, and turns
// every failure into a ResponseError carrying a HostErrorCode. Independent of how the engine is
// made, so tests can run it with a fake engine.
import { ResponseError, type CancellationToken, type MessageConnection } from "vscode-jsonrpc/node";
import type { CompletionRequest, CompletionResult, CumulativeStats } from "../common/CompletionTypes";
import type { EngineInfo, EngineOptions } from "../common/EngineOptions";
import { isSpeculaError } from "../engine/SpeculaError";
import { epochNow } from "../completion/epochClock";
import { downloadModelSources, HostError, resolveModelSource, tryResolveModelSource, verifySha256, type FixtureProvider } from "./modelFiles";
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
    type DecodingOptions,
    type HostErrorData,
    type LoadParams,
    type LoadResult,
    type LogParams
} from "./protocol";
import { completeParamsSchema, decodingOptionsSchema, downloadParamsSchema, loadParamsSchema, resolveParamsSchema, validateParams } from "./validateParams";

/** What the host needs from an engine; `SpeculativeEngine` has this shape. */
export interface HostedEngine {
    readonly info: EngineInfo;
    complete(request: CompletionRequest): Promise<CompletionResult>;
    setDecodingOptions(options: DecodingOptions): void;
    readonly cumulativeStats: CumulativeStats;
    dispose(): Promise<void>;
}

export interface EngineHostDependencies {
    loadEngine(options: EngineOptions, signal?: AbortSignal): Promise<HostedEngine>;
    fixtures?: FixtureProvider;
    /** Called after `shutdown` has been answered. Defaults to doing nothing. */
    exit?(): void;
}

/** Registers the protocol's handlers on a connection (which the caller then `listen()`s on). */
export function serveEngineHost(connection: MessageConnection, dependencies: EngineHostDependencies): void {
    let engine: HostedEngine | undefined;
    // Loads and disposals run one after another, so an engine is never disposed mid-load.
    let lifecycle: Promise<unknown> = Promise.resolve();
    let shuttingDown = false;

    const log = (level: LogParams["level"], message: string) => {
        void connection.sendNotification(logNotification, { level, message }).catch(() => undefined);
    };

    const disposeEngine = async () => {
        const current = engine;
        engine = undefined;
        if (current != null)
            await current.dispose();
    };

    const load = async (params: LoadParams, token: CancellationToken): Promise<LoadResult> => {
        const started = Date.now();
        const abort = abortControllerFor(token);
        await disposeEngine();
        const resolveOptions = {
            modelDirectory: params.modelDirectory,
            fixtureDirectory: params.fixtureDirectory,
            fixtures: dependencies.fixtures
        };
        const targetPath = await resolveModelSource(params.target, "target", resolveOptions);
        const draftPath = params.draft != null ? await resolveModelSource(params.draft, "draft", resolveOptions) : undefined;
        if (params.target.sha256 != null)
            await verifySha256(targetPath, params.target.sha256, "target", { signal: abort.signal, stateDirectory: params.stateDirectory });
        if (params.draft?.sha256 != null && draftPath != null)
            await verifySha256(draftPath, params.draft.sha256, "draft", { signal: abort.signal, stateDirectory: params.stateDirectory });
        abort.signal.throwIfAborted();
        const loaded = await dependencies.loadEngine(
            { ...params.options, targetPath, ...(draftPath != null ? { draftPath } : {}), log: (level, message) => log(level, message) },
            abort.signal
        );
        if (abort.signal.aborted) {
            await loaded.dispose();
            throw new HostError("CANCELLED", "Loading was cancelled by a newer request.");
        }
        engine = loaded;
        return { info: loaded.info, targetPath, ...(draftPath != null ? { draftPath } : {}), loadMs: Date.now() - started };
    };

    connection.onRequest(loadRequest, (params, token) => {
        const run = lifecycle.then(() => load(validateParams(loadRequest.method, loadParamsSchema, params), token));
        lifecycle = run.catch(() => undefined);
        return run.catch((error: unknown) => { throw toResponseError(error); });
    });

    connection.onRequest(completeRequest, async (params, token) => {
        try {
            const receivedAt = epochNow();
            const { requestId, stream, ...request } = validateParams(completeRequest.method, completeParamsSchema, params);
            if (engine == null)
                throw new HostError("ENGINE_DISPOSED", "No model pair is loaded.");
            let firstTextSentAt: number | undefined;
            const onText = stream === true
                ? (delta: string) => {
                    firstTextSentAt ??= epochNow();
                    void connection.sendNotification(completionTextNotification, { requestId, delta }).catch(() => undefined);
                }
                : undefined;
            const result = await engine.complete({ ...request, signal: abortControllerFor(token).signal, ...(onText != null ? { onText } : {}) });
            // Where the time went on this side of the process boundary, on the clock the extension host reads too.
            return { ...result, hostTimes: { receivedAt, ...(firstTextSentAt != null ? { firstTextSentAt } : {}), answeredAt: epochNow() } };
        } catch (error) {
            throw toResponseError(error);
        }
    });

    connection.onRequest(setDecodingOptionsRequest, (options) => {
        try {
            const valid = validateParams(setDecodingOptionsRequest.method, decodingOptionsSchema, options);
            engine?.setDecodingOptions(valid);
        } catch (error) {
            throw toResponseError(error);
        }
    });

    connection.onRequest(statsRequest, () => engine?.cumulativeStats ?? null);

    connection.onRequest(resolveRequest, async (params) => {
        try {
            validateParams(resolveRequest.method, resolveParamsSchema, params);
            const options = { modelDirectory: params.modelDirectory, fixtureDirectory: "", fixtures: undefined };
            const paths = await Promise.all(params.sources.map((source) =>
                source.uri.startsWith("fixture:") ? Promise.resolve(source.uri) : tryResolveModelSource(source, options)));
            return { paths };
        } catch (error) {
            throw toResponseError(error);
        }
    });

    connection.onRequest(downloadRequest, async (params, token) => {
        try {
            validateParams(downloadRequest.method, downloadParamsSchema, params);
            const abort = abortControllerFor(token);
            const paths = await downloadModelSources(params.sources, {
                modelDirectory: params.modelDirectory,
                stateDirectory: params.stateDirectory,
                signal: abort.signal,
                onProgress: (progress) => {
                    void connection.sendNotification(downloadProgressNotification, { downloadId: params.downloadId, ...progress }).catch(() => undefined);
                }
            });
            return { paths };
        } catch (error) {
            throw toResponseError(error);
        }
    });

    connection.onRequest(shutdownRequest, async () => {
        if (shuttingDown)
            return;
        shuttingDown = true;
        await lifecycle;
        await disposeEngine().catch((error: unknown) => log("warn", `Disposing the engine failed: ${errorMessage(error)}`));
        setImmediate(() => dependencies.exit?.());
    });
}

/**
 * Process-wide behaviour of an engine host: end with the parent (the process has no purpose
 * without it), and survive a stray rejection inside a library — the downloader rejects promises
 * nobody awaits when a transfer fails — instead of taking every loaded model down with it.
 */
export function installProcessGuards(connection: MessageConnection): void {
    process.on("unhandledRejection", (reason) => {
        const message = `Ignored an unhandled rejection in the engine host: ${errorMessage(reason)}`;
        void connection.sendNotification(logNotification, { level: "warn", message }).catch(() => undefined);
    });
    process.on("disconnect", () => process.exit(0));
    connection.onClose(() => process.exit(0));
}

function abortControllerFor(token: CancellationToken): AbortController {
    const controller = new AbortController();
    // A request sent with positional (list) params hands the handler a list item as its token.
    if (typeof (token as Partial<CancellationToken> | undefined)?.onCancellationRequested !== "function")
        return controller;
    if (token.isCancellationRequested)
        controller.abort();
    else
        token.onCancellationRequested(() => controller.abort());
    return controller;
}

function toResponseError(error: unknown): ResponseError<HostErrorData> {
    if (error instanceof ResponseError)
        return error as ResponseError<HostErrorData>;
    if (error instanceof HostError || isSpeculaError(error))
        return new ResponseError(hostErrorRpcCode, error.message, { code: error.code });
    if (error instanceof Error && error.name === "AbortError")
        return new ResponseError(hostErrorRpcCode, "Cancelled.", { code: "CANCELLED" });
    return new ResponseError(hostErrorRpcCode, `Internal error in the engine host: ${errorMessage(error)}`, { code: "INTERNAL" });
}

function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message.split("\n")[0] ?? error.name : String(error);
}
