// Loading a model pair from the extension's side, in the steps every pair goes through, whichever
// engine process it loads in (the completion pair's, the next-edit model's): remote files that are
// not in the model directory are never fetched without the user's consent (the load stops with
// "needsDownload" and the caller asks), a download reports one progress over all files, and the
// load itself runs the engine's checks (each file's header, a pinned SHA-256, the pair's memory,
// the draft's vocabulary). No `vscode` import.
import { formatBytes } from "../common/formatBytes";
import type { EngineInfo } from "../common/EngineOptions";
import { isRemoteModelUri, type ModelPair } from "../config/modelPairs";
import type { DownloadParams, DownloadProgress, DownloadResult, HostEngineOptions, LoadParams, LoadResult, ModelSource, ResolveParams, ResolveResult } from "./protocol";

/** What loading a pair needs from an engine client (EngineClient has all of it). */
export interface PairLoadingClient {
    resolve(params: ResolveParams): Promise<ResolveResult>;
    download(params: Omit<DownloadParams, "downloadId">, onProgress?: (progress: DownloadProgress) => void, signal?: AbortSignal): Promise<DownloadResult>;
    load(params: LoadParams, signal?: AbortSignal): Promise<LoadResult>;
}

export interface PairFolders {
    readonly modelDirectory: string;
    readonly fixtureDirectory: string;
    readonly stateDirectory?: string;
}

/** The load request of a pair: its sources with their pinned hashes, the folders, the engine options. */
export function pairLoadParams(pair: ModelPair, folders: PairFolders, options: HostEngineOptions): LoadParams {
    const source = (uri: string, sha256?: string): ModelSource => ({ uri, ...(sha256 != null ? { sha256 } : {}) });
    return {
        target: source(pair.target, pair.targetSha256),
        ...(pair.draft != null ? { draft: source(pair.draft, pair.draftSha256) } : {}),
        modelDirectory: folders.modelDirectory,
        fixtureDirectory: folders.fixtureDirectory,
        ...(folders.stateDirectory != null ? { stateDirectory: folders.stateDirectory } : {}),
        options
    };
}

function sourcesOf(params: LoadParams): ModelSource[] {
    return [params.target, ...(params.draft != null ? [params.draft] : [])];
}

/** The remote sources of a load that are not in the model directory yet (looked up without the network). */
export async function sourcesToDownload(client: PairLoadingClient, params: LoadParams): Promise<ModelSource[]> {
    const remote = sourcesOf(params).filter((source) => isRemoteModelUri(source.uri));
    if (remote.length === 0)
        return [];
    const resolved = await client.resolve({ sources: remote, modelDirectory: params.modelDirectory });
    return remote.filter((_, index) => resolved.paths[index] == null);
}

export type PairLoadOutcome =
    | { readonly kind: "loaded"; readonly result: LoadResult; readonly draftProblem?: string }
    /** Nothing was downloaded or loaded: `message` says what the user would download. */
    | { readonly kind: "needsDownload"; readonly sources: readonly ModelSource[]; readonly message: string };

/**
 * Loads the pair when all its files are here; otherwise stops before any network access with
 * "needsDownload". `draftProblem` is set when the pair has a draft the engine cannot use with its
 * target (another vocabulary): the target then decodes with its copy drafts alone.
 */
export async function loadPair(client: PairLoadingClient, pair: ModelPair, params: LoadParams, signal?: AbortSignal): Promise<PairLoadOutcome> {
    const missing = await sourcesToDownload(client, params);
    if (missing.length > 0)
        return { kind: "needsDownload", sources: missing, message: `The models of "${pair.name}" are not downloaded yet (${missing.length} file${missing.length > 1 ? "s" : ""}).` };
    const result = await client.load(params, signal);
    const draftProblem = unusableDraft(pair, result.info);
    return { kind: "loaded", result, ...(draftProblem != null ? { draftProblem } : {}) };
}

/** Why the pair's draft is not used, or undefined when it is used or there is none. */
export function unusableDraft(pair: ModelPair, info: EngineInfo): string | undefined {
    if (pair.draft == null || info.speculationAvailable)
        return undefined;
    return info.speculationUnavailableReason ?? "the draft model cannot be used with this target";
}

/** Progress over all the files of a download, as a fraction of the whole and one line. */
export interface PairDownloadProgress {
    readonly fraction: number;
    readonly message: string;
}

/**
 * Downloads the sources (the user agreed), reporting progress over all of them. Rejects with the
 * engine client's error (CANCELLED when `signal` aborts: a later download continues the `.part` file).
 */
export async function downloadPair(
    client: PairLoadingClient,
    sources: readonly ModelSource[],
    folders: Pick<PairFolders, "modelDirectory" | "stateDirectory">,
    onProgress: (progress: PairDownloadProgress) => void,
    signal?: AbortSignal
): Promise<DownloadResult> {
    return client.download({ sources, modelDirectory: folders.modelDirectory, ...(folders.stateDirectory != null ? { stateDirectory: folders.stateDirectory } : {}) }, (update) => {
        const share = update.totalBytes > 0 ? Math.min(1, update.downloadedBytes / update.totalBytes) : 0;
        onProgress({
            fraction: (update.index + share) / sources.length,
            message: `file ${update.index + 1} of ${sources.length}: ${formatBytes(update.downloadedBytes)} of ${formatBytes(update.totalBytes)}`
        });
    }, signal);
}
