// The typed JSON-RPC protocol between the extension host (client) and the engine host process
// (server). Everything that crosses the process boundary is declared here and nowhere else.
import { NotificationType, RequestType, RequestType0 } from "vscode-jsonrpc/node";
import type { HostTimes } from "../completion/CompletionBackend";
import type { CompletionRequest, CompletionResult, CumulativeStats } from "../common/CompletionTypes";
import type { EngineDecodingOptions } from "../common/decodingOptions";
import type { EngineInfo, EngineOptions } from "../common/EngineOptions";
import type { SpeculaErrorCode } from "../engine/SpeculaError";

/**
 * Where a model comes from: a local path, an `hf:` URI, an `https://` URL (or loopback `http://`),
 * or `fixture:<name>` for a model of the built-in generated fixture pair.
 */
export interface ModelSource {
    readonly uri: string;
    /** When set, the file's SHA-256 (hex) must match before it is used. */
    readonly sha256?: string;
}

/** Options the engine is loaded with; paths are resolved by the host from the sources. */
export type HostEngineOptions = Omit<EngineOptions, "targetPath" | "draftPath" | "log">;

export interface LoadParams {
    readonly target: ModelSource;
    readonly draft?: ModelSource;
    /** Folder that downloaded models live in (and are looked up in). */
    readonly modelDirectory: string;
    /** Folder that the built-in fixture models are generated into. */
    readonly fixtureDirectory: string;
    /** Folder of the extension's own state (which files matched their pinned SHA-256). */
    readonly stateDirectory?: string;
    readonly options: HostEngineOptions;
}

export interface LoadResult {
    readonly info: EngineInfo;
    /** Resolved local paths of the target and (if any) the draft. */
    readonly targetPath: string;
    readonly draftPath?: string;
    readonly loadMs: number;
}

/** A completion request without its AbortSignal: cancellation travels as `$/cancelRequest`. */
export type CompleteParams = Omit<CompletionRequest, "signal" | "onText"> & {
    /** The client's id for this request, echoed in log lines and in its text notifications. */
    readonly requestId: number;
    /** Send the completion's text as it grows, as `specula/completionText` notifications. Defaults to false. */
    readonly stream?: boolean;
};

/** A completion's result, with when the host received the request, sent its first text and answered. */
export type CompleteResult = CompletionResult & { readonly hostTimes?: HostTimes };

/** Text committed by a streaming completion since its previous notification. */
export interface CompletionText {
    readonly requestId: number;
    readonly delta: string;
}

/** The engine's decoding options a client changes without reloading (src/common/decodingOptions.ts); absent ones stay. */
export type DecodingOptions = Partial<Readonly<EngineDecodingOptions>>;

export interface DownloadParams {
    /** Echoed in progress notifications so the client can tell downloads apart. */
    readonly downloadId: number;
    readonly sources: readonly ModelSource[];
    readonly modelDirectory: string;
    /** See LoadParams.stateDirectory. */
    readonly stateDirectory?: string;
}

export interface DownloadResult {
    /** Local path of each source, in order. */
    readonly paths: readonly string[];
}

export interface DownloadProgress {
    readonly downloadId: number;
    /** Index into DownloadParams.sources of the file being downloaded. */
    readonly index: number;
    readonly uri: string;
    readonly downloadedBytes: number;
    readonly totalBytes: number;
}

export interface ResolveParams {
    readonly sources: readonly ModelSource[];
    readonly modelDirectory: string;
}

export interface ResolveResult {
    /** Local path of each source, or null when it still has to be downloaded. */
    readonly paths: readonly (string | null)[];
}

export interface LogParams {
    readonly level: "trace" | "info" | "warn" | "error";
    readonly message: string;
}

/**
 * Error codes that the host adds to the engine's: a model that has not been downloaded yet, a URL
 * that is not allowed, a download that failed because the network is unreachable.
 */
export type HostErrorCode = SpeculaErrorCode | "NOT_DOWNLOADED" | "URL_NOT_ALLOWED" | "OFFLINE" | "CANCELLED" | "INTERNAL";

/** Sent as the `data` of a JSON-RPC ResponseError. */
export interface HostErrorData {
    readonly code: HostErrorCode;
}

/** The JSON-RPC error code used for every failure the host reports with a HostErrorCode. */
export const hostErrorRpcCode = -32001;

export const loadRequest = new RequestType<LoadParams, LoadResult, HostErrorData>("specula/load");
export const completeRequest = new RequestType<CompleteParams, CompleteResult, HostErrorData>("specula/complete");
export const setDecodingOptionsRequest = new RequestType<DecodingOptions, void, HostErrorData>("specula/setDecodingOptions");
export const statsRequest = new RequestType0<CumulativeStats | null, void>("specula/stats");
export const resolveRequest = new RequestType<ResolveParams, ResolveResult, HostErrorData>("specula/resolve");
export const downloadRequest = new RequestType<DownloadParams, DownloadResult, HostErrorData>("specula/download");
/** Disposes the engine and then ends the host process. */
export const shutdownRequest = new RequestType0<void, void>("specula/shutdown");

export const downloadProgressNotification = new NotificationType<DownloadProgress>("specula/downloadProgress");
export const logNotification = new NotificationType<LogParams>("specula/log");
/** Sent before the request's response; notifications and the response arrive in order. */
export const completionTextNotification = new NotificationType<CompletionText>("specula/completionText");
