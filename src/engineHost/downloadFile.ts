// Specula's downloader for one model file. Written for the failure cases node-llama-cpp's
// downloader (ipull) handled badly (issue 13): a redirect to plain http was followed; a server
// without Content-Length that drops the connection was retried for minutes; Cancel never settled
// and an unhandled `ENOENT rename …ipull` followed; an HTML page was saved as a model. Here every
// redirect hop is checked, retries are bounded, every promise is awaited (Cancel always settles),
// and a file is only given its final name once its GGUF header and data are all there. A
// download is bounded (issue 23): a size past the declared one or past `maxBytes` stops it, a
// connection silent for `stallMs` is closed and retried (the part file stays, to resume), and a
// download from another machine may not be redirected to this one. Cancel and the stall timer
// cancel the body reader themselves: a signal handed to `fetch` alone can stop reaching the
// connection after a garbage collection (nodejs/node#55428).
import * as fs from "node:fs/promises";
import { downloadUrlProblem } from "../config/modelPairs";
import { isLoopbackHost } from "../llamaServer/serverUrl";
import { GgufFormatError, readGgufHeader } from "../engine/modelFile/readGgufHeader";
import { HostError } from "./HostError";

/** Suffix of a partial download; the file keeps it until it is complete and checked. */
export const PART_FILE_SUFFIX = ".part";

export interface DownloadFileOptions {
    readonly signal?: AbortSignal;
    /** Called at most every 100 ms and once at the end; `totalBytes` is 0 when the server does not say. */
    readonly onProgress?: (downloadedBytes: number, totalBytes: number) => void;
    /** Connections tried before giving up when they keep dropping. Defaults to 5. */
    readonly maxAttempts?: number;
    /** Wait before the n-th retry. Defaults to 1 s, 2 s, 4 s, 8 s. */
    readonly retryDelaysMs?: readonly number[];
    readonly headers?: Readonly<Record<string, string>>;
    /**
     * Largest file accepted. A larger declared size is refused before anything is written; an
     * answer that does not declare its size is stopped here (and its part file deleted), so a
     * broken or hostile server cannot fill the disk. Defaults to 64 GiB.
     */
    readonly maxBytes?: number;
    /**
     * A connection that delivers nothing for this long is closed and counts as dropped: it is
     * retried, and the part file is kept so the next try resumes. Defaults to 30 s.
     */
    readonly stallMs?: number;
}

const defaultMaxBytes = 64 * 1024 ** 3;
const defaultStallMs = 30_000;
const maxRedirects = 10;
const defaultRetryDelaysMs = [1000, 2000, 4000, 8000];
const ggufMagic = Buffer.from("GGUF", "latin1");

/**
 * `fetch` that follows redirects itself and checks every hop against the download rules (https,
 * or http to loopback; no credentials in the URL; no redirect from another machine to this one).
 * Throws HostError("URL_NOT_ALLOWED"), or Stalled when a hop sends no answer within `stallMs`.
 */
export async function fetchCheckingRedirects(url: URL, init: RequestInit, shown: string, stallMs = defaultStallMs): Promise<Response> {
    let current = url;
    for (let hop = 0; ; hop++) {
        const problem = downloadUrlProblem(current) ?? (hop > 0 ? redirectProblem(url, current) : undefined);
        if (problem != null)
            throw new HostError("URL_NOT_ALLOWED", hop === 0
                ? `Refusing to download ${shown}: its URL ${problem}.`
                : `Refusing to download ${shown}: the server redirects to ${current.protocol}//${current.host}${current.pathname}, which ${problem}.`);
        const response = await answerWithin(fetch(current, { ...init, redirect: "manual" }), stallMs, init.signal ?? undefined);
        const location = response.headers.get("location");
        if (response.status < 300 || response.status >= 400 || location == null)
            return response;
        await response.body?.cancel().catch(() => undefined);
        if (hop >= maxRedirects)
            throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: more than ${maxRedirects} redirects.`);
        try {
            current = new URL(location, current);
        } catch {
            throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: the server redirects to an invalid URL.`);
        }
    }
}

/**
 * Why a redirect from `first` to `next` is refused beyond the rules for any download URL: a
 * download from another machine may not be sent to this one (it would let a remote server make
 * Specula send a GET to any local port). Undefined when allowed.
 */
export function redirectProblem(first: URL, next: URL): string | undefined {
    if (reachesThisMachine(next) && !reachesThisMachine(first))
        return "is this machine; a download from another machine may not be redirected here";
    return undefined;
}

function reachesThisMachine(url: URL): boolean {
    const host = url.hostname.toLowerCase();
    return isLoopbackHost(host) || host.endsWith(".localhost") || host === "0.0.0.0" || host === "[::]";
}

/** A connection sent nothing for the stall time. */
export class Stalled extends Error {
    public constructor(ms: number) {
        super(`the server sent nothing for ${formatSeconds(ms)}`);
        this.name = "Stalled";
    }
}

/**
 * `pending`'s response, or Stalled after `ms`, or the abort reason as soon as `signal` aborts
 * (without relying on fetch's own handling of it); a response that comes too late is cancelled.
 */
export async function answerWithin(pending: Promise<Response>, ms: number, signal: AbortSignal | undefined): Promise<Response> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Stalled(ms)), ms);
        onAbort = () => reject(signal!.reason);
        if (signal?.aborted)
            onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
        return await Promise.race([pending, late]);
    } catch (error) {
        pending.then((response) => response.body?.cancel(), () => undefined).catch(() => undefined);
        throw error;
    } finally {
        clearTimeout(timer);
        if (onAbort != null)
            signal?.removeEventListener("abort", onAbort);
    }
}

/**
 * Downloads `url` to `destination` through `destination.part`, resuming a part file left by an
 * earlier attempt when the server supports ranges. The final name appears only for a complete
 * file that starts with the GGUF magic. On Cancel, rejects with CANCELLED and keeps the part file.
 */
export async function downloadFile(url: URL, destination: string, shown: string, options: DownloadFileOptions = {}): Promise<void> {
    const { signal } = options;
    const partPath = `${destination}${PART_FILE_SUFFIX}`;
    const maxAttempts = options.maxAttempts ?? 5;
    const delays = options.retryDelaysMs ?? defaultRetryDelaysMs;
    const limits = { maxBytes: options.maxBytes ?? defaultMaxBytes, stallMs: options.stallMs ?? defaultStallMs };
    const progress = throttledProgress(options.onProgress);
    let lastProblem = "";
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        if (attempt > 1)
            await sleep(delays[Math.min(attempt - 2, delays.length - 1)] ?? 1000, signal, shown);
        try {
            const outcome = await transfer(url, partPath, shown, signal, options.headers ?? {}, progress, limits);
            if (outcome === "complete")
                break;
            lastProblem = outcome;
        } catch (error) {
            if (signal?.aborted)
                throw cancelled(shown);
            if (error instanceof HostError)
                throw error;
            lastProblem = error instanceof Stalled ? `${error.message} before answering` : describeNetworkError(error);
        }
        if (attempt === maxAttempts)
            throw new HostError(
                "DOWNLOAD_FAILED",
                `Could not download ${shown}: ${lastProblem}, ${maxAttempts} times; it continues where it stopped next time.`
            );
    }
    progress.flush();
    await checkDownloaded(partPath, shown);
    await fs.rename(partPath, destination);
}

/** One connection: "complete", or why it ended early (a dropped connection, worth a retry). */
async function transfer(
    url: URL, partPath: string, shown: string, signal: AbortSignal | undefined,
    headers: Readonly<Record<string, string>>, progress: ReturnType<typeof throttledProgress>,
    limits: { readonly maxBytes: number; readonly stallMs: number }
): Promise<"complete" | string> {
    let offset = await fs.stat(partPath).then((stat) => stat.size, () => 0);
    const response = await fetchCheckingRedirects(url, {
        headers: { ...headers, "accept-encoding": "identity", ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        ...(signal != null ? { signal } : {})
    }, shown, limits.stallMs);
    if (response.status === 416) {
        // The part file is not a prefix of what the server has now: start over.
        await response.body?.cancel().catch(() => undefined);
        await fs.rm(partPath, { force: true });
        return "the server refused to resume";
    }
    if (response.status >= 500)
        return `the server answered ${response.status}`;
    if (response.status !== 200 && response.status !== 206) {
        await response.body?.cancel().catch(() => undefined);
        throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: the server answered ${response.status} ${response.statusText}.`);
    }
    const contentType = response.headers.get("content-type") ?? "";
    if (/^text\/html|^application\/xhtml/i.test(contentType)) {
        await response.body?.cancel().catch(() => undefined);
        throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: the server sent a web page (${contentType.split(";")[0]}), not a model file; a captive portal or login page?`);
    }
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
    if (response.status === 206 && (range == null || Number(range[1]) !== offset)) {
        await response.body?.cancel().catch(() => undefined);
        await fs.rm(partPath, { force: true });
        return "the server answered with a range it was not asked for";
    }
    if (response.status === 200)
        offset = 0; // the whole file, from the start (the server ignores ranges)
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    const total = range != null && range[2] !== "*" && offset > 0 ? Number(range[2]) : Number.isFinite(length) ? offset + length : 0;

    if (total > limits.maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: the server says it is ${formatBytes(total)}, more than the largest model file Specula downloads (${formatBytes(limits.maxBytes)}).`);
    }
    if (response.body == null)
        return "the server sent no data";
    const reader = response.body.getReader();
    // Cancel reaches the connection through the reader, which this listener holds.
    const onAbort = () => void reader.cancel().catch(() => undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted)
        onAbort();
    const file = await fs.open(partPath, offset > 0 ? "a" : "w");
    let written = offset;
    let finished = false;
    try {
        const head: Buffer[] = [];
        let headBytes = offset;
        while (true) {
            const { done, value: chunk } = await readWithin(reader, limits.stallMs);
            if (done)
                break;
            signal?.throwIfAborted();
            if (headBytes < ggufMagic.length) {
                head.push(Buffer.from(chunk));
                headBytes += chunk.length;
                const start = Buffer.concat(head);
                const compared = Math.min(start.length, ggufMagic.length);
                if (offset === 0 && !start.subarray(0, compared).equals(ggufMagic.subarray(0, compared)))
                    throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: the server sent something that is not a GGUF model file (${describeStart(start)}); a captive portal or login page?`);
            }
            if (written + chunk.length > (total > 0 ? total : limits.maxBytes)) {
                await file.close().catch(() => undefined);
                await fs.rm(partPath, { force: true });
                throw new HostError("DOWNLOAD_FAILED", total > 0
                    ? `Could not download ${shown}: the server sent more than the ${formatBytes(total)} it declared.`
                    : `Could not download ${shown}: the server sent more than ${formatBytes(limits.maxBytes)} without saying how large the file is; Specula stops there.`);
            }
            await file.write(chunk);
            written += chunk.length;
            progress.report(written, total);
        }
        finished = true;
        // A Cancel ends the reader as if the body were over.
        signal?.throwIfAborted();
    } catch (error) {
        if (error instanceof HostError || signal?.aborted)
            throw error;
        if (error instanceof Stalled)
            return `${error.message} after ${written} bytes`;
        return `the connection dropped after ${written} bytes (${describeNetworkError(error)})`;
    } finally {
        signal?.removeEventListener("abort", onAbort);
        if (!finished)
            await reader.cancel().catch(() => undefined);
        await file.close().catch(() => undefined);
    }
    if (total > 0 && written !== total)
        return `the connection ended after ${written} of ${total} bytes`;
    return "complete";
}

/** The next chunk, or Stalled (and the reader cancelled, which closes the connection) after `ms` without one. */
async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<ReadableStreamReadResult<Uint8Array>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
            reject(new Stalled(ms));
            void reader.cancel().catch(() => undefined);
        }, ms);
    });
    try {
        return await Promise.race([reader.read(), stalled]);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * The finished part file must be a GGUF file whose header and tensor data all fit in it: a page
 * from a captive portal, or a stream of unknown length that ended early, is never given the
 * model's name.
 */
async function checkDownloaded(partPath: string, shown: string): Promise<void> {
    try {
        await readGgufHeader(partPath);
    } catch (error) {
        if (!(error instanceof GgufFormatError))
            throw error;
        const file = await fs.open(partPath, "r");
        const start = Buffer.alloc(24);
        const { bytesRead } = await file.read(start, 0, start.length, 0).finally(() => file.close());
        await fs.rm(partPath, { force: true });
        throw new HostError("DOWNLOAD_FAILED", error.kind === "not GGUF"
            ? `Could not download ${shown}: the server sent something that is not a GGUF model file (${describeStart(start.subarray(0, bytesRead))}); a captive portal or login page?`
            : `Could not download ${shown}: the file that arrived is ${error.kind} (${error.message}).`);
    }
}

function describeStart(bytes: Buffer): string {
    const text = bytes.subarray(0, 24).toString("latin1").replace(/[^\x20-\x7e]/g, "·");
    return text === "" ? "nothing" : `it starts with ${JSON.stringify(text)}`;
}

function describeNetworkError(error: unknown): string {
    for (let current: unknown = error, depth = 0; current != null && depth < 5; depth++) {
        const code = (current as { code?: unknown }).code;
        if (typeof code === "string")
            return code;
        current = (current as { cause?: unknown }).cause;
    }
    return error instanceof Error ? error.message.split("\n")[0] ?? error.name : String(error);
}

function formatBytes(bytes: number): string {
    if (bytes >= 1024 ** 3)
        return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
    return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;
}

function formatSeconds(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function cancelled(shown: string): HostError {
    return new HostError("CANCELLED", `The download of ${shown} was cancelled; it continues where it stopped next time.`);
}

/** Resolves after `ms`, or rejects with CANCELLED as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined, shown: string): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(cancelled(shown));
        const onAbort = () => {
            clearTimeout(timer);
            reject(cancelled(shown));
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}

function throttledProgress(onProgress: DownloadFileOptions["onProgress"]) {
    let last = 0;
    let pending: [number, number] | undefined;
    return {
        report(downloaded: number, total: number) {
            pending = [downloaded, total];
            const now = Date.now();
            if (now - last >= 100) {
                last = now;
                onProgress?.(downloaded, total);
                pending = undefined;
            }
        },
        flush() {
            if (pending != null)
                onProgress?.(...pending);
        }
    };
}
