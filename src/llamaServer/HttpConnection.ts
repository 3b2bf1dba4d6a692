// One HTTP request to a llama.cpp server over node:http, whose every way of ending is explicit: the
// caller's abort, the idle timeout, the overall deadline and the size ceiling each destroy the
// connection themselves. No `vscode` import.
//
// Why not `fetch`: on Node 20 an AbortSignal handed to `fetch` stops reaching the connection once
// the garbage collector has collected the signal chain undici builds (nodejs/node#55428,
// nodejs/undici#3644); an aborted completion then streams on and holds the server's slot. Here
// the abort listener, the timers and the request hold each other strongly for the request's
// lifetime, and ending it is a `destroy()` call, not a signal that must survive a collection.
import * as http from "node:http";
import * as https from "node:https";

/** Why this side ended the exchange. */
export type ConnectionStop = "aborted" | "idle" | "deadline" | "tooLarge";

export interface HttpConnectionOptions {
    readonly method: "GET" | "POST";
    readonly headers: http.OutgoingHttpHeaders;
    readonly body?: Uint8Array;
    /** Ends the request (the caller moved on); the caller then throws `signal.reason`. */
    readonly signal: AbortSignal;
    /** The server sent nothing for this long. */
    readonly idleMs: number;
    /** The whole exchange took this long, however steadily bytes trickled in. */
    readonly deadlineMs: number;
    /** The answer's body grew past this many bytes. */
    readonly maxBytes: number;
}

/** The error a stopped connection's reads reject with; `HttpConnection.stopped` says why. */
export class ConnectionStopped extends Error {
    public constructor(public readonly reason: ConnectionStop) {
        super(`connection stopped (${reason})`);
        this.name = "ConnectionStopped";
    }
}

export class HttpConnection {
    /** Set when this side ended the exchange; any error after that is a consequence of it. */
    public stopped: ConnectionStop | undefined;
    /** The status line and headers; rejects when the request fails or is stopped before them. */
    public readonly response: Promise<http.IncomingMessage>;
    private readonly request: http.ClientRequest;
    private answer: http.IncomingMessage | undefined;
    private idleTimer: ReturnType<typeof setTimeout> | undefined;
    private readonly deadlineTimer: ReturnType<typeof setTimeout>;
    private bytes = 0;
    private readonly onAbort = () => this.stop("aborted");

    public constructor(url: URL, private readonly options: HttpConnectionOptions) {
        const transport = url.protocol === "https:" ? https : http;
        this.request = transport.request(url, { method: options.method, headers: options.headers });
        this.response = new Promise((resolve, reject) => {
            this.request.once("response", (response) => {
                this.answer = response;
                // Errors reach the reader through `chunks()`; one with no reader must not crash the host.
                response.on("error", () => undefined);
                this.touch();
                resolve(response);
            });
            this.request.on("error", reject);
        });
        // Settled by the caller's await; a rejection nobody awaits (a stop during close) is not unhandled.
        this.response.catch(() => undefined);
        options.signal.addEventListener("abort", this.onAbort, { once: true });
        this.deadlineTimer = setTimeout(() => this.stop("deadline"), options.deadlineMs);
        this.touch();
        this.request.end(options.body);
    }

    /**
     * The request went out on a kept-alive connection an earlier request used. When that fails
     * before any answer, the server had closed the connection meanwhile and never saw the request
     * (llama-server closes the connection after a streamed answer although it announces
     * keep-alive): the request is worth sending once more.
     */
    public get reusedSocket(): boolean {
        return this.request.reusedSocket;
    }

    /** The body's chunks as they arrive; throws when the connection drops or is stopped. */
    public async *chunks(): AsyncGenerator<Uint8Array> {
        const response = await this.response;
        for await (const chunk of response as AsyncIterable<Buffer>) {
            this.bytes += chunk.byteLength;
            if (this.bytes > this.options.maxBytes) {
                this.stop("tooLarge");
                throw new ConnectionStopped("tooLarge");
            }
            this.touch();
            yield chunk;
        }
        if (this.stopped != null)
            throw new ConnectionStopped(this.stopped);
    }

    /** Ends the exchange now: the socket is destroyed, so the server sees the client leave. */
    public stop(reason: ConnectionStop): void {
        if (this.stopped != null)
            return;
        this.stopped = reason;
        const error = new ConnectionStopped(reason);
        this.request.destroy(error);
        this.answer?.destroy(error);
        this.release();
    }

    /**
     * Done with the exchange: timers and the abort listener go; a connection whose answer was not
     * read to its end is destroyed (llama-server stops generating for it), a finished one may be reused.
     */
    public close(): void {
        if (this.answer?.complete !== true && this.stopped == null) {
            this.request.destroy();
            this.answer?.destroy();
        }
        this.release();
    }

    private touch(): void {
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.stop("idle"), this.options.idleMs);
    }

    private release(): void {
        clearTimeout(this.idleTimer);
        clearTimeout(this.deadlineTimer);
        this.options.signal.removeEventListener("abort", this.onAbort);
    }
}
