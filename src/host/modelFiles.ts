// Resolving, downloading and verifying model files. Runs in the engine host process only: the
// downloads and hashing must not block the extension host, and node-llama-cpp is loaded here.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { classifyModelUri, describeModelUri } from "../config/modelPairs";
import { loadNodeLlamaCpp } from "../engine/llamaTypes";
import type { DownloadProgress, HostErrorCode, ModelSource } from "./protocol";

/** An error the host reports to the extension with a code it can act on. */
export class HostError extends Error {
    public constructor(public readonly code: HostErrorCode, message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = "HostError";
    }
}

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
    const base = decodeURIComponent(url.pathname.split("/").filter((part) => part !== "").at(-1) ?? "");
    const safe = base.replace(/[<>:"/\\|?*\u0000-\u001f]/g, "_").replace(/^\.+/, "");
    return safe === "" ? `model-${url.host.replace(/[^\w.-]/g, "_")}.gguf` : safe;
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
    readonly signal?: AbortSignal;
    readonly onProgress?: (progress: Omit<DownloadProgress, "downloadId">) => void;
}

/**
 * Downloads remote sources that are not present yet with node-llama-cpp's downloader (resumable:
 * an interrupted download keeps its `.ipull` part file and continues from it next time). A file
 * only gets its final name once complete, and a pinned SHA-256 is checked before it is returned.
 */
export async function downloadModelSources(sources: readonly ModelSource[], options: DownloadOptions): Promise<string[]> {
    const { createModelDownloader } = await loadNodeLlamaCpp();
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
        await checkReachable(kind.kind === "url" ? kind.url : new URL("https://huggingface.co/"), shown, options.signal);
        let filePath: string;
        try {
            const downloader = await abortable(createModelDownloader({
                modelUri: source.uri,
                dirPath: options.modelDirectory,
                ...(kind.kind === "url" ? { fileName: fileNameForUrl(kind.url) } : {}),
                skipExisting: true,
                deleteTempFileOnCancel: false,
                showCliProgress: false,
                onProgress: ({ downloadedSize, totalSize }) =>
                    options.onProgress?.({ index, uri: source.uri, downloadedBytes: downloadedSize, totalBytes: totalSize })
            }), options.signal);
            filePath = await downloader.download({ signal: options.signal });
            // A cancelled download resolves rather than rejects; its part file stays for resuming.
            options.signal?.throwIfAborted();
        } catch (error) {
            if (options.signal?.aborted)
                throw new HostError("CANCELLED", `The download of ${shown} was cancelled; it continues where it stopped next time.`);
            throw describeDownloadError(error, shown);
        }
        if (source.sha256 != null)
            await verifySha256(filePath, source.sha256, shown, options.signal, true);
        paths.push(filePath);
    }
    return paths;
}

/**
 * The downloader retries an unreachable server for many minutes before it gives up. One quick
 * request first turns "offline" into a clear message within seconds.
 */
async function checkReachable(url: URL, shown: string, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(15_000);
    const combined = signal != null ? AbortSignal.any([signal, timeout]) : timeout;
    try {
        const response = await fetch(url, { method: "HEAD", redirect: "manual", signal: combined });
        await response.body?.cancel();
    } catch (error) {
        if (signal?.aborted)
            throw new HostError("CANCELLED", `The download of ${shown} was cancelled.`);
        if (timeout.aborted)
            throw new HostError("OFFLINE", `Could not download ${shown}: ${url.host} did not answer within 15 s. Check your internet connection or proxy, or point specula.modelPairs at local files.`);
        throw describeDownloadError(error, shown);
    }
}

/** Settles with the promise, or rejects as soon as the signal aborts (the work itself goes on). */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal == null)
        return promise;
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted)
            onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
}

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

/**
 * Checks a file's SHA-256. Hashing a multi-GB model takes seconds, so a match is remembered in a
 * small file next to it keyed by size and modification time. A mismatching download is deleted.
 */
export async function verifySha256(filePath: string, expected: string, shown: string, signal?: AbortSignal, deleteOnMismatch = false): Promise<void> {
    const stat = await fs.stat(filePath);
    const stampPath = `${filePath}.sha256-verified`;
    const stamp = `${expected.toLowerCase()} ${stat.size} ${stat.mtimeMs}`;
    if (await fs.readFile(stampPath, "utf8").then((text) => text === stamp, () => false))
        return;
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(filePath, { signal }))
        hash.update(chunk as Buffer);
    const actual = hash.digest("hex");
    if (actual !== expected.toLowerCase()) {
        if (deleteOnMismatch)
            await fs.rm(filePath, { force: true });
        throw new HostError(
            "CHECKSUM_MISMATCH",
            `The ${shown} file "${filePath}" has SHA-256 ${actual}, not the pinned ${expected.toLowerCase()}${deleteOnMismatch ? "; it was deleted" : ""}.`
        );
    }
    await fs.writeFile(stampPath, stamp).catch(() => undefined);
}

function expandHome(filePath: string): string {
    if (filePath === "~" || filePath.startsWith("~/") || filePath.startsWith("~\\"))
        return path.join(os.homedir(), filePath.slice(1));
    return filePath;
}
