// HTTP to a llama.cpp server: JSON requests and server-sent-event streams with the API key, a
// timeout that fires when the server sends nothing for a while, an overall deadline and a size
// ceiling for every answer (a trickling or endless server cannot hold a request or fill memory),
// every way a request can fail turned into one ServerFailure kind, and server texts quoted without
// the key. No `vscode` import.
import { HttpConnection } from "./HttpConnection";
import { redactSecrets } from "./redactSecrets";
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
    /** Sent as `Authorization: Bearer …`; never logged (and cut out of every server text). */
    readonly apiKey?: string;
    /** A request fails with "timeout" once the server has sent nothing for this long. */
    readonly timeoutMs: number;
    /** A JSON request (the health probe, /tokenize …) fails with "timeout" once it has taken this long in all. */
    readonly deadlineMs: number;
}

/** The endpoint of a checked server URL, with the caller's timeouts and API key. */
export function serverEndpoint(url: { readonly base: URL; readonly display: string }, options: { readonly timeoutMs: number; readonly apiKey?: string }, deadlineMs: number): ServerEndpoint {
    return {
        base: url.base,
        display: url.display,
        timeoutMs: options.timeoutMs,
        deadlineMs,
        ...(options.apiKey != null ? { apiKey: options.apiKey } : {})
    };
}

/** Bounds of one answer (a stream's from what was asked for). */
export interface AnswerLimits {
    /** The stream is closed, and the request fails, once the answer grows past this many bytes. */
    readonly maxBytes: number;
    /** …or once it has taken this long in all, however steadily the server trickles bytes. */
    readonly deadlineMs: number;
}

/** Largest JSON answer read (a /tokenize of a whole prompt is tens of kB). */
const maxJsonBytes = 16 * 1024 * 1024;

export interface JsonAnswer {
    readonly status: number;
    readonly body: unknown;
}

/** What `exchange` hands its reader: the status, and the body's chunks (counted, timed, bounded). */
interface Answer {
    readonly status: number;
    readonly ok: boolean;
    readonly chunks: AsyncIterable<Uint8Array>;
}

export class LlamaServerHttp {
    public constructor(private readonly endpoint: ServerEndpoint) {}

    public get display(): string {
        return this.endpoint.display;
    }

    /** GET or POST with a JSON answer. Transport problems throw ServerFailure; every HTTP status is returned. */
    public async json(path: string, body: unknown | undefined, signal: AbortSignal): Promise<JsonAnswer> {
        const limits = { maxBytes: maxJsonBytes, deadlineMs: this.endpoint.deadlineMs };
        return this.exchange(path, body, signal, false, limits, async (response) => {
            const text = await readText(response.chunks);
            try {
                return { status: response.status, body: text === "" ? undefined : JSON.parse(text) as unknown };
            } catch {
                if (response.ok)
                    throw new ServerFailure("malformed", `${path} answered with text that is not JSON (${this.quote(text)})`, response.status);
                return { status: response.status, body: text };
            }
        });
    }

    /**
     * POSTs `body` and hands each server-sent event's JSON to `onEvent` until it returns false (the
     * connection is then closed, which stops the server's generation) or the stream ends.
     * A non-2xx answer throws the ServerFailure for its status; an answer past `limits` is closed
     * and fails ("malformed" when too large, "timeout" when too long).
     */
    public async stream(path: string, body: unknown, signal: AbortSignal, limits: AnswerLimits, onEvent: (event: unknown) => boolean): Promise<"stopped" | "ended"> {
        return this.exchange(path, body, signal, true, limits, async (response) => {
            if (!response.ok) {
                const text = await readText(response.chunks);
                throw failureForStatus(response.status, parseOrText(text), path, this.endpoint.apiKey);
            }
            const parser = new SseParser();
            const deliver = (events: string[]): boolean => {
                for (const data of events) {
                    let event: unknown;
                    try {
                        event = JSON.parse(data) as unknown;
                    } catch {
                        throw new ServerFailure("malformed", `${path} streamed an event that is not JSON (${this.quote(data)})`);
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
                // Leaving the loop early closes the connection (see exchange): llama-server stops generating for it.
                for await (const chunk of response.chunks)
                    if (!deliver(parser.push(chunk)))
                        return "stopped";

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
            }
        });
    }

    private async exchange<T>(
        path: string,
        body: unknown | undefined,
        signal: AbortSignal,
        streaming: boolean,
        limits: AnswerLimits,
        read: (response: Answer) => Promise<T>
    ): Promise<T> {
        signal.throwIfAborted();
        const payload = body !== undefined ? Buffer.from(JSON.stringify(body), "utf8") : undefined;
        const headers: Record<string, string | number> = { Accept: streaming ? "text/event-stream" : "application/json" };
        if (payload !== undefined) {
            headers["Content-Type"] = "application/json";
            headers["Content-Length"] = payload.byteLength;
        }
        if (this.endpoint.apiKey != null && this.endpoint.apiKey !== "")
            headers.Authorization = `Bearer ${this.endpoint.apiKey}`;
        // llama-server closes the connection after a streamed answer: a stream does not offer it for reuse.
        if (streaming)
            headers.Connection = "close";
        for (let attempt = 1; ; attempt++) {
            const connection = new HttpConnection(endpointUrl(this.endpoint.base, path), {
                method: payload === undefined ? "GET" : "POST",
                headers,
                ...(payload !== undefined ? { body: payload } : {}),
                signal,
                idleMs: this.endpoint.timeoutMs,
                deadlineMs: limits.deadlineMs,
                maxBytes: limits.maxBytes
            });
            let answered = false;
            try {
                const response = await connection.response;
                answered = true;
                const status = response.statusCode ?? 0;
                return await read({ status, ok: status >= 200 && status <= 299, chunks: connection.chunks() });
            } catch (error) {
                // The caller's own exceptions (it judged an event) reach it unchanged.
                if (error instanceof FromCaller)
                    throw error.error;
                if (signal.aborted)
                    throw signal.reason;
                // A kept-alive connection the server had closed: the request never reached it.
                if (attempt === 1 && !answered && connection.stopped == null && connection.reusedSocket && errorCode(error) === "ECONNRESET")
                    continue;
                const endpoint = `/${path.replace(/^\/+/, "")}`;
                switch (connection.stopped) {
                    case "idle":
                        throw new ServerFailure("timeout", `${this.endpoint.display} sent nothing for ${formatSeconds(this.endpoint.timeoutMs)}`);
                    case "deadline":
                        throw new ServerFailure("timeout", `${this.endpoint.display} did not finish answering ${endpoint} within ${formatSeconds(limits.deadlineMs)} (it kept the answer open)`);
                    case "tooLarge":
                        throw new ServerFailure("malformed", `${endpoint} answered with more than ${formatBytes(limits.maxBytes)}, far more than was asked for`);
                    default:
                        throw asServerFailure(error, this.endpoint.display);
                }
            } finally {
                connection.close();
            }
        }
    }

    /** A server text quoted in a message: trimmed, clipped, and without the key or anything like one. */
    private quote(text: string): string {
        return describeText(redactSecrets(text, this.endpoint.apiKey));
    }
}

/** The body of a 2xx answer; any other status throws its failure. */
export function expectOk(answer: JsonAnswer, path: string): unknown {
    if (answer.status < 200 || answer.status > 299)
        throw failureForStatus(answer.status, answer.body, `/${path}`);
    return answer.body;
}

/** The failure an HTTP error status stands for, with the server's own message when it sent one. */
export function failureForStatus(status: number, body: unknown, path: string, apiKey?: string): ServerFailure {
    const message = serverMessage(body, apiKey);
    if (status === 401 || status === 403)
        return new ServerFailure("unauthorized", `the server refused the API key (HTTP ${status}${message != null ? `: ${message}` : ""})`, status);
    if (status === 503)
        return new ServerFailure("loading", `the server is not ready (HTTP 503${message != null ? `: ${message}` : ""})`, status);
    if (message != null && /infill is not supported|prefix token is missing|suffix token is missing|middle token is missing/i.test(message))
        return new ServerFailure("noFim", `the server's model has no fill-in-the-middle tokens (${message})`, status);
    return new ServerFailure("http", `${path} failed with HTTP ${status}${message != null ? `: ${message}` : ""}`, status);
}

/**
 * llama-server's `{ "error": { "message": … } }`, or a short plain-text body; without the API key
 * or anything shaped like a credential (a server may echo the Authorization header).
 */
export function serverMessage(body: unknown, apiKey?: string): string | undefined {
    const text = typeof body === "string" ? body
        : !isRecord(body) ? undefined
        : isRecord(body.error) && typeof body.error.message === "string" ? body.error.message
        : typeof body.error === "string" ? body.error
        : typeof body.message === "string" ? body.message
        : undefined;
    return text == null || text.trim() === "" ? undefined : clip(redactSecrets(text.trim(), apiKey));
}

/** Network errors (node:http) by their code. */
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

async function readText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of chunks)
        parts.push(Buffer.from(chunk));
    return Buffer.concat(parts).toString("utf8");
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

function formatBytes(bytes: number): string {
    return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} kB`;
}

function formatSeconds(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** An exception thrown by a caller's callback, carried through the network error handling untouched. */
class FromCaller {
    public constructor(public readonly error: unknown) {}
}
