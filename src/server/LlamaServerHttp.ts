// HTTP to a llama.cpp server: JSON requests and server-sent-event streams with the API key, a
// timeout that fires when the server sends nothing for a while (not a limit on a long answer), and
// every way a request can fail turned into one ServerFailure kind. No `vscode` import.
import { SseFormatError, SseParser } from "./SseParser";
import { endpointUrl } from "./serverUrl";

export type ServerFailureKind =
    /** Nothing listens at the address (ECONNREFUSED). */
    | "refused"
    /** The host cannot be resolved or reached, or TLS failed. */
    | "unreachable"
    /** The connection dropped while the server was answering (it died or restarted). */
    | "disconnected"
    /** The server sent nothing for the timeout. */
    | "timeout"
    /** 401 or 403: the API key is missing or wrong. */
    | "unauthorized"
    /** 503: the server is still loading its model (or has no free slot). */
    | "loading"
    /** Any other 4xx or 5xx answer. */
    | "http"
    /** The answer is not what llama-server sends: not JSON, cut off, missing fields. */
    | "malformed"
    /** The server's model has no fill-in-the-middle tokens. */
    | "noFim";

export class ServerFailure extends Error {
    public constructor(
        public readonly kind: ServerFailureKind,
        message: string,
        public readonly status?: number
    ) {
        super(message);
        this.name = "ServerFailure";
    }
}

export interface ServerEndpoint {
    /** Base URL, its path ending in "/". */
    readonly base: URL;
    /** host:port, for messages. */
    readonly display: string;
    /** Sent as `Authorization: Bearer …`; never logged. */
    readonly apiKey?: string;
    /** A request fails with "timeout" once the server has sent nothing for this long. */
    readonly timeoutMs: number;
}

/** Largest JSON answer read (a /tokenize of a whole prompt is tens of kB). */
const maxJsonBytes = 16 * 1024 * 1024;

export interface JsonAnswer {
    readonly status: number;
    readonly body: unknown;
}

export class LlamaServerHttp {
    public constructor(private readonly endpoint: ServerEndpoint) {}

    public get display(): string {
        return this.endpoint.display;
    }

    /** GET or POST with a JSON answer. Transport problems throw ServerFailure; every HTTP status is returned. */
    public async json(path: string, body: unknown | undefined, signal: AbortSignal): Promise<JsonAnswer> {
        return this.exchange(path, body, signal, false, async (response, progress) => {
            const text = await readText(response, progress);
            try {
                return { status: response.status, body: text === "" ? undefined : JSON.parse(text) as unknown };
            } catch {
                if (response.ok)
                    throw new ServerFailure("malformed", `${path} answered with text that is not JSON (${describeText(text)})`, response.status);
                return { status: response.status, body: text };
            }
        });
    }

    /**
     * POSTs `body` and hands each server-sent event's JSON to `onEvent` until it returns false (the
     * connection is then closed, which stops the server's generation) or the stream ends.
     * A non-2xx answer throws the ServerFailure for its status.
     */
    public async stream(path: string, body: unknown, signal: AbortSignal, onEvent: (event: unknown) => boolean): Promise<"stopped" | "ended"> {
        return this.exchange(path, body, signal, true, async (response, progress) => {
            if (!response.ok) {
                const text = await readText(response, progress);
                throw failureForStatus(response.status, parseOrText(text), path);
            }
            if (response.body == null)
                throw new ServerFailure("malformed", `${path} answered without a body`);
            const reader = response.body.getReader();
            const parser = new SseParser();
            const deliver = (events: string[]): boolean => {
                for (const data of events) {
                    let event: unknown;
                    try {
                        event = JSON.parse(data) as unknown;
                    } catch {
                        throw new ServerFailure("malformed", `${path} streamed an event that is not JSON (${describeText(data)})`);
                    }
                    let more: boolean;
                    try {
                        more = onEvent(event);
                    } catch (error) {
                        throw new FromCaller(error);
                    }
                    if (!more)
                        return false;
                }
                return true;
            };
            try {
                while (true) {
                    const { done, value } = await reader.read();
                    if (done)
                        break;
                    progress();
                    if (!deliver(parser.push(value)))
                        return "stopped";
                }
                const last = parser.end();
                if (!deliver(last.events))
                    return "stopped";
                if (last.truncated)
                    throw new ServerFailure("malformed", `${path}'s stream ended in the middle of an event`);
                return "ended";
            } catch (error) {
                if (error instanceof SseFormatError)
                    throw new ServerFailure("malformed", `${path} streamed ${error.message}`);
                throw error;
            } finally {
                // Closing the body closes the connection: llama-server stops generating for it.
                void reader.cancel().catch(() => undefined);
            }
        });
    }

    private async exchange<T>(
        path: string,
        body: unknown | undefined,
        signal: AbortSignal,
        streaming: boolean,
        read: (response: Response, progress: () => void) => Promise<T>
    ): Promise<T> {
        signal.throwIfAborted();
        const stall = new StallTimer(this.endpoint.timeoutMs);
        const done = new AbortController();
        const combined = AbortSignal.any([signal, stall.signal, done.signal]);
        const headers: Record<string, string> = { Accept: streaming ? "text/event-stream" : "application/json" };
        if (body !== undefined)
            headers["Content-Type"] = "application/json";
        if (this.endpoint.apiKey != null && this.endpoint.apiKey !== "")
            headers.Authorization = `Bearer ${this.endpoint.apiKey}`;
        try {
            const response = await fetch(endpointUrl(this.endpoint.base, path), {
                method: body === undefined ? "GET" : "POST",
                headers,
                ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
                signal: combined,
                redirect: "error"
            });
            stall.touch();
            return await read(response, () => stall.touch());
        } catch (error) {
            // The caller's own exceptions (it judged an event) reach it unchanged.
            if (error instanceof FromCaller)
                throw error.error;
            if (signal.aborted)
                throw signal.reason;
            if (stall.fired)
                throw new ServerFailure("timeout", `${this.endpoint.display} sent nothing for ${formatSeconds(this.endpoint.timeoutMs)}`);
            throw asServerFailure(error, this.endpoint.display);
        } finally {
            stall.clear();
            done.abort();
        }
    }
}

/** The failure an HTTP error status stands for, with the server's own message when it sent one. */
export function failureForStatus(status: number, body: unknown, path: string): ServerFailure {
    const message = serverMessage(body);
    if (status === 401 || status === 403)
        return new ServerFailure("unauthorized", `the server refused the API key (HTTP ${status}${message != null ? `: ${message}` : ""})`, status);
    if (status === 503)
        return new ServerFailure("loading", `the server is not ready (HTTP 503${message != null ? `: ${message}` : ""})`, status);
    if (message != null && /infill is not supported|prefix token is missing|suffix token is missing|middle token is missing/i.test(message))
        return new ServerFailure("noFim", `the server's model has no fill-in-the-middle tokens (${message})`, status);
    return new ServerFailure("http", `${path} failed with HTTP ${status}${message != null ? `: ${message}` : ""}`, status);
}

/** llama-server's `{ "error": { "message": … } }`, or a short plain-text body. */
export function serverMessage(body: unknown): string | undefined {
    if (typeof body === "string")
        return body.trim() === "" ? undefined : clip(body.trim());
    if (isRecord(body)) {
        const error = body.error;
        if (isRecord(error) && typeof error.message === "string")
            return clip(error.message);
        if (typeof error === "string")
            return clip(error);
        if (typeof body.message === "string")
            return clip(body.message);
    }
    return undefined;
}

/** Network errors from fetch (undici) by their code. */
export function asServerFailure(error: unknown, display: string): ServerFailure {
    if (error instanceof ServerFailure)
        return error;
    const code = errorCode(error);
    const detail = code ?? (error instanceof Error ? error.message : String(error));
    switch (code) {
        case "ECONNREFUSED":
            return new ServerFailure("refused", `nothing answers at ${display} (connection refused): is llama-server running?`);
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return new ServerFailure("unreachable", `cannot resolve the host of ${display} (${code})`);
        case "ECONNRESET":
        case "EPIPE":
        case "UND_ERR_SOCKET":
        case "UND_ERR_CLOSED":
            return new ServerFailure("disconnected", `the connection to ${display} dropped (${code})`);
        case "ETIMEDOUT":
        case "EHOSTUNREACH":
        case "ENETUNREACH":
        case "EHOSTDOWN":
        case "UND_ERR_CONNECT_TIMEOUT":
            return new ServerFailure("unreachable", `cannot reach ${display} (${code})`);
        default:
            break;
    }
    if (code != null && /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code))
        return new ServerFailure("unreachable", `TLS with ${display} failed (${code})`);
    if (error instanceof TypeError && /terminated/i.test(error.message))
        return new ServerFailure("disconnected", `the connection to ${display} dropped`);
    return new ServerFailure("unreachable", `cannot talk to ${display} (${detail})`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value != null && !Array.isArray(value);
}

function errorCode(error: unknown): string | undefined {
    for (let current: unknown = error, depth = 0; current != null && depth < 5; depth++)
        if (isRecord(current) || current instanceof Error) {
            const code = (current as { code?: unknown }).code;
            if (typeof code === "string")
                return code;
            current = (current as { cause?: unknown }).cause;
        } else
            break;
    return undefined;
}

async function readText(response: Response, progress: () => void): Promise<string> {
    if (response.body == null)
        return "";
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    try {
        while (true) {
            const { done, value } = await reader.read();
            if (done)
                break;
            progress();
            bytes += value.byteLength;
            if (bytes > maxJsonBytes)
                throw new ServerFailure("malformed", `the answer is larger than ${maxJsonBytes} bytes`);
            chunks.push(value);
        }
    } finally {
        void reader.cancel().catch(() => undefined);
    }
    return new TextDecoder().decode(concat(chunks, bytes));
}

function concat(chunks: Uint8Array[], bytes: number): Uint8Array {
    const all = new Uint8Array(bytes);
    let offset = 0;
    for (const chunk of chunks) {
        all.set(chunk, offset);
        offset += chunk.byteLength;
    }
    return all;
}

function parseOrText(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

function describeText(text: string): string {
    return text.trim() === "" ? "empty" : `"${clip(text.trim(), 60)}"`;
}

function clip(text: string, max = 200): string {
    const line = text.replace(/\s+/g, " ");
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function formatSeconds(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** An exception thrown by a caller's callback, carried through the network error handling untouched. */
class FromCaller {
    public constructor(public readonly error: unknown) {}
}

/** Aborts its signal when `touch()` has not been called for `ms`. */
class StallTimer {
    private readonly controller = new AbortController();
    private timer: ReturnType<typeof setTimeout> | undefined;
    public fired = false;

    public constructor(private readonly ms: number) {
        this.touch();
    }

    public get signal(): AbortSignal {
        return this.controller.signal;
    }

    public touch(): void {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            this.fired = true;
            this.controller.abort(new Error("stalled"));
        }, this.ms);
    }

    public clear(): void {
        clearTimeout(this.timer);
    }
}
