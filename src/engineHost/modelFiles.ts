// Resolving, downloading and verifying model files. Runs in the engine host process only: the
// downloads and hashing must not block the extension host, and node-llama-cpp is loaded here.
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { classifyModelUri, describeModelUri } from "../config/modelPairs";
import { loadNodeLlamaCpp } from "../engine/llamaTypes";
import { answerWithin, downloadFile, fetchCheckingRedirects, Stalled } from "./downloadFile";
import { HostError } from "./HostError";
import type { DownloadProgress, ModelSource } from "./protocol";
import { verifySha256 } from "./verifySha256";

export { verifySha256 };

export { HostError };

/**
 * Returns the path of the built-in model `name` (`fixture:<name>`), generating it into `directory`
 * on first use, or undefined when there is no such model.
 */
export type FixtureProvider = (directory: string, name: string) => Promise<string | undefined>;

export interface ResolveOptions {
    readonly modelDirectory: string;
    readonly fixtureDirectory: string;
    readonly fixtures?: FixtureProvider;
}

/**
 * Turns a model source into a local file path without touching the network. A remote model that is
 * not in the model directory yet fails with NOT_DOWNLOADED.
 */
export async function resolveModelSource(source: ModelSource, role: string, options: ResolveOptions): Promise<string> {
    const kind = classifyModelUri(source.uri);
    switch (kind.kind) {
        case "invalid":
            throw new HostError("URL_NOT_ALLOWED", `The ${role} model "${source.uri}" ${kind.reason}.`);
        case "file":
            return expandHome(kind.path);
        case "fixture": {
            if (options.fixtures == null)
                throw new HostError("INTERNAL", "The built-in fixture models are not available in this build.");
            const value = await options.fixtures(options.fixtureDirectory, kind.name);
            if (value == null)
                throw new HostError("FILE_NOT_FOUND", `There is no built-in fixture model named "${kind.name}".`);
            return value;
        }
        case "hf":
        case "url": {
            const notDownloaded = (cause?: unknown) => new HostError(
                "NOT_DOWNLOADED",
                `The ${role} model ${describeModelUri(source.uri)} is not downloaded yet. Run "Specula: Download Models of the Selected Pair".`,
                { cause }
            );
            if (kind.kind === "url") {
                // node-llama-cpp only knows the local name of Hugging Face URLs; for other URLs the
                // download is saved under a name derived from the URL, so look for exactly that.
                const filePath = path.join(options.modelDirectory, fileNameForUrl(kind.url));
                if (await fs.stat(filePath).then((stat) => stat.isFile(), () => false))
                    return filePath;
                throw notDownloaded();
            }
            const ownName = path.join(options.modelDirectory, fileNameForHuggingFace(kind.uri));
            if (await fs.stat(ownName).then((stat) => stat.isFile(), () => false))
                return ownName;
            // Files downloaded by earlier versions, with node-llama-cpp's downloader and names.
            const { resolveModelFile } = await loadNodeLlamaCpp();
            try {
                return await resolveModelFile(source.uri, { directory: options.modelDirectory, download: false, cli: false });
            } catch (error) {
                throw notDownloaded(error);
            }
        }
    }
}

/** Local file name a plain URL is downloaded to: its last path segment, made safe for any file system. */
export function fileNameForUrl(url: URL): string {
    const segment = url.pathname.split("/").filter((part) => part !== "").at(-1) ?? "";
    let base: string;
    try {
        base = decodeURIComponent(segment);
    } catch {
        base = segment; // a malformed %-escape: keep the text as it is
    }
    const safe = safeFileName(base);
    return safe === "" ? `model-${url.host.replace(/[^\w.-]/g, "_")}.gguf` : safe;
}

function safeFileName(name: string): string {
    return name.replace(/[<>:"/\\|?*\u0000-\u001f%]/g, "_").replace(/^\.+/, "");
}

/** A Hugging Face model reference: a file in a repository, or a repository and a quantization tag. */
interface HuggingFaceRef {
    readonly user: string;
    readonly repo: string;
    readonly file?: string;
    readonly branch: string;
    readonly tag?: string;
}

function parseHuggingFaceUri(uri: string): HuggingFaceRef {
    const match = /^hf:([\w.-]+)\/([\w.-]+)(?::([\w.-]+)|\/([^#]+))?(?:#(.+))?$/.exec(uri.trim());
    if (match == null)
        throw new HostError("URL_NOT_ALLOWED", `"${uri}" is not a valid hf:<user>/<repo>[:<quant>|/<file>] URI.`);
    const [, user, repo, tag, file, branch] = match;
    return { user: user!, repo: repo!, branch: branch ?? "main", ...(file != null ? { file } : {}), ...(tag != null || file == null ? { tag: tag ?? "latest" } : {}) };
}

/** Local file name of an `hf:` model: the user, the repository and the file or tag, made safe. */
export function fileNameForHuggingFace(uri: string): string {
    const ref = parseHuggingFaceUri(uri);
    const rest = ref.file != null ? ref.file.split("/").join("__") : `${ref.tag}.gguf`;
    const branch = ref.branch !== "main" ? `_${ref.branch}` : "";
    return safeFileName(`hf_${ref.user}_${ref.repo}${branch}_${rest}`);
}

const huggingFaceOrigin = "https://huggingface.co";

/**
 * The download URL of an `hf:` model. A file is addressed directly; a quantization tag is looked
 * up in the repository's manifest (the same request llama.cpp and node-llama-cpp make).
 */
async function huggingFaceFileUrl(uri: string, shown: string, signal?: AbortSignal): Promise<URL> {
    const ref = parseHuggingFaceUri(uri);
    const encode = (text: string) => text.split("/").map(encodeURIComponent).join("/");
    if (ref.file != null)
        return new URL(`${huggingFaceOrigin}/${encode(ref.user)}/${encode(ref.repo)}/resolve/${encodeURIComponent(ref.branch)}/${encode(ref.file)}?download=true`);
    const manifestUrl = new URL(`${huggingFaceOrigin}/v2/${encode(ref.user)}/${encode(ref.repo)}/manifests/${encodeURIComponent(ref.tag ?? "latest")}`);
    const response = await fetchCheckingRedirects(manifestUrl, { headers: { "user-agent": "llama-cpp" }, ...(signal != null ? { signal } : {}) }, shown);
    if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: Hugging Face has no quantization "${ref.tag}" for ${ref.user}/${ref.repo} (${response.status}).`);
    }
    const manifest = await response.json().catch(() => null) as { ggufFile?: { rfilename?: unknown } } | null;
    const file = manifest?.ggufFile?.rfilename;
    if (typeof file !== "string" || file === "")
        throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: Hugging Face's answer names no GGUF file.`);
    if (/-\d{5}-of-\d{5}\.gguf$/i.test(file))
        throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: it is split into several files, which Specula does not download; download them with llama.cpp and point specula.modelPairs at the first one.`);
    return new URL(`${huggingFaceOrigin}/${encode(ref.user)}/${encode(ref.repo)}/resolve/main/${encode(file)}?download=true`);
}

/** Returns null instead of throwing NOT_DOWNLOADED; other problems still throw. */
export async function tryResolveModelSource(source: ModelSource, options: ResolveOptions): Promise<string | null> {
    try {
        return await resolveModelSource(source, "model", options);
    } catch (error) {
        if (error instanceof HostError && error.code === "NOT_DOWNLOADED")
            return null;
        throw error;
    }
}

export interface DownloadOptions {
    readonly modelDirectory: string;
    /** Folder of Specula's own state (verified hashes); none: nothing is remembered. */
    readonly stateDirectory?: string;
    readonly signal?: AbortSignal;
    /** Wait before each retry of a dropped connection; see downloadFile. */
    readonly retryDelaysMs?: readonly number[];
    /** Largest file and longest silence of a download; see downloadFile's options of the same names. */
    readonly maxBytes?: number;
    readonly stallMs?: number;
    readonly onProgress?: (progress: Omit<DownloadProgress, "downloadId">) => void;
}

/**
 * Downloads remote sources that are not present yet with Specula's downloader (see downloadFile:
 * https on every hop, bounded retries, resumable through a `.part` file, a Cancel that always
 * settles, a GGUF check before the final name). A pinned SHA-256 is checked before a path is
 * returned; a file that does not match is deleted.
 */
export async function downloadModelSources(sources: readonly ModelSource[], options: DownloadOptions): Promise<string[]> {
    await fs.mkdir(options.modelDirectory, { recursive: true });
    const paths: string[] = [];
    for (const [index, source] of sources.entries()) {
        options.signal?.throwIfAborted();
        const kind = classifyModelUri(source.uri);
        if (kind.kind === "invalid")
            throw new HostError("URL_NOT_ALLOWED", `Refusing to download "${source.uri}": it ${kind.reason}.`);
        if (kind.kind !== "hf" && kind.kind !== "url") {
            paths.push(kind.kind === "file" ? expandHome(kind.path) : source.uri);
            continue;
        }
        const shown = describeModelUri(source.uri);
        const existing = await tryResolveModelSource(source, { modelDirectory: options.modelDirectory, fixtureDirectory: "" });
        let filePath: string;
        if (existing != null)
            filePath = existing;
        else {
            await checkReachable(kind.kind === "url" ? kind.url : new URL(huggingFaceOrigin), shown, options.signal);
            filePath = path.join(options.modelDirectory, kind.kind === "url" ? fileNameForUrl(kind.url) : fileNameForHuggingFace(kind.uri));
            try {
                const url = kind.kind === "url" ? kind.url : await huggingFaceFileUrl(kind.uri, shown, options.signal);
                await downloadFile(url, filePath, shown, {
                    ...(options.signal != null ? { signal: options.signal } : {}),
                    ...(options.retryDelaysMs != null ? { retryDelaysMs: options.retryDelaysMs } : {}),
                    ...(options.maxBytes != null ? { maxBytes: options.maxBytes } : {}),
                    ...(options.stallMs != null ? { stallMs: options.stallMs } : {}),
                    onProgress: (downloadedBytes, totalBytes) => options.onProgress?.({ index, uri: source.uri, downloadedBytes, totalBytes })
                });
            } catch (error) {
                if (options.signal?.aborted)
                    throw new HostError("CANCELLED", `The download of ${shown} was cancelled; it continues where it stopped next time.`);
                if (error instanceof HostError)
                    throw error;
                throw describeDownloadError(error, shown);
            }
        }
        if (source.sha256 != null)
            await verifySha256(filePath, source.sha256, shown, { signal: options.signal, deleteOnMismatch: existing == null, stateDirectory: options.stateDirectory });
        paths.push(filePath);
    }
    return paths;
}

/** One quick request first turns "offline" into a clear message within seconds. */
async function checkReachable(url: URL, shown: string, signal?: AbortSignal): Promise<void> {
    try {
        // The wait is timed here, not by a signal handed to fetch alone (nodejs/node#55428).
        const response = await answerWithin(fetch(url, { method: "HEAD", redirect: "manual", ...(signal != null ? { signal } : {}) }), reachableWithinMs, signal);
        await response.body?.cancel();
    } catch (error) {
        if (signal?.aborted)
            throw new HostError("CANCELLED", `The download of ${shown} was cancelled.`);
        if (error instanceof Stalled)
            throw new HostError("OFFLINE", `Could not download ${shown}: ${url.host} did not answer within ${reachableWithinMs / 1000} s. Check your internet connection or proxy, or point specula.modelPairs at local files.`);
        throw describeDownloadError(error, shown);
    }
}

const reachableWithinMs = 15_000;

const offlineCodes = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** Maps a downloader failure to one line; network failures get an "offline?" message. */
export function describeDownloadError(error: unknown, shown: string): HostError {
    const codes: string[] = [];
    let message = "";
    for (let current: unknown = error, depth = 0; current != null && depth < 5; depth++) {
        const code = (current as { code?: unknown }).code;
        if (typeof code === "string")
            codes.push(code);
        if (message === "" && current instanceof Error)
            message = current.message.split("\n")[0] ?? "";
        current = (current as { cause?: unknown }).cause;
    }
    if (codes.some((code) => offlineCodes.has(code)) || /fetch failed|getaddrinfo|network/i.test(message))
        return new HostError(
            "OFFLINE",
            `Could not download ${shown}: the server cannot be reached (${codes[0] ?? message}). Check your internet connection or proxy, or point specula.modelPairs at local files.`,
            { cause: error }
        );
    return new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: ${message || String(error)}`, { cause: error });
}

function expandHome(filePath: string): string {
    if (filePath === "~" || filePath.startsWith("~/") || filePath.startsWith("~\\"))
        return path.join(os.homedir(), filePath.slice(1));
    return filePath;
}
