// Specula's downloader for one model file. Written for the failure cases node-llama-cpp's
// downloader (ipull) handled badly (issue 13): a redirect to plain http was followed; a server
// without Content-Length that drops the connection was retried for minutes; Cancel never settled
// and an unhandled `ENOENT rename …ipull` followed; an HTML page was saved as a model. Here every
// redirect hop is checked, retries are bounded, every promise is awaited (Cancel always settles),
// and a file is only given its final name once its GGUF header and data are all there.
import * as fs from "node:fs/promises";
import { downloadUrlProblem } from "../config/modelPairs";
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
}

const maxRedirects = 10;
const defaultRetryDelaysMs = [1000, 2000, 4000, 8000];
const ggufMagic = Buffer.from("GGUF", "latin1");

/**
 * `fetch` that follows redirects itself and checks every hop against the download rules (https,
 * or http to loopback; no credentials in the URL). Throws HostError("URL_NOT_ALLOWED").
 */
export async function fetchCheckingRedirects(url: URL, init: RequestInit, shown: string): Promise<Response> {
    let current = url;
    for (let hop = 0; ; hop++) {
        const problem = downloadUrlProblem(current);
        if (problem != null)
            throw new HostError("URL_NOT_ALLOWED", hop === 0
                ? `Refusing to download ${shown}: its URL ${problem}.`
                : `Refusing to download ${shown}: the server redirects to ${current.protocol}//${current.host}${current.pathname}, which ${problem}.`);
        const response = await fetch(current, { ...init, redirect: "manual" });
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
 * Downloads `url` to `destination` through `destination.part`, resuming a part file left by an
 * earlier attempt when the server supports ranges. The final name appears only for a complete
 * file that starts with the GGUF magic. On Cancel, rejects with CANCELLED and keeps the part file.
 */
export async function downloadFile(url: URL, destination: string, shown: string, options: DownloadFileOptions = {}): Promise<void> {
    const { signal } = options;
    const partPath = `${destination}${PART_FILE_SUFFIX}`;
    const maxAttempts = options.maxAttempts ?? 5;
    const delays = options.retryDelaysMs ?? defaultRetryDelaysMs;
    const progress = throttledProgress(options.onProgress);
    let lastProblem = "";
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        if (attempt > 1)
            await sleep(delays[Math.min(attempt - 2, delays.length - 1)] ?? 1000, signal, shown);
        try {
            const outcome = await transfer(url, partPath, shown, signal, options.headers ?? {}, progress);
            if (outcome === "complete")
                break;
            lastProblem = outcome;
        } catch (error) {
            if (signal?.aborted)
                throw cancelled(shown);
            if (error instanceof HostError)
                throw error;
            lastProblem = describeNetworkError(error);
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
    headers: Readonly<Record<string, string>>, progress: ReturnType<typeof throttledProgress>
): Promise<"complete" | string> {
    let offset = await fs.stat(partPath).then((stat) => stat.size, () => 0);
    const response = await fetchCheckingRedirects(url, {
        headers: { ...headers, "accept-encoding": "identity", ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        ...(signal != null ? { signal } : {})
    }, shown);
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

    const file = await fs.open(partPath, offset > 0 ? "a" : "w");
    let written = offset;
    try {
        if (response.body == null)
            return "the server sent no data";
        const head: Buffer[] = [];
        let headBytes = offset;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            if (headBytes < ggufMagic.length) {
                head.push(Buffer.from(chunk));
                headBytes += chunk.length;
                const start = Buffer.concat(head);
                const compared = Math.min(start.length, ggufMagic.length);
                if (offset === 0 && !start.subarray(0, compared).equals(ggufMagic.subarray(0, compared)))
                    throw new HostError("DOWNLOAD_FAILED", `Could not download ${shown}: the server sent something that is not a GGUF model file (${describeStart(start)}); a captive portal or login page?`);
            }
            await file.write(chunk);
            written += chunk.length;
            progress.report(written, total);
        }
    } catch (error) {
        if (error instanceof HostError || signal?.aborted)
            throw error;
        return `the connection dropped after ${written} bytes (${describeNetworkError(error)})`;
    } finally {
        await file.close();
    }
    if (total > 0 && written !== total)
        return `the connection ended after ${written} of ${total} bytes`;
    return "complete";
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
