// The HTTP client to llama-server against raw loopback servers that misbehave on purpose: a
// cancelled request always ends, even after a garbage collection (nodejs/node#55428,
// nodejs/undici#3644: with `fetch`, a collected signal chain stopped the abort from reaching the
// connection), and a trickling server cannot hold a request open forever.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import { LlamaServerHttp, ServerFailure, type ServerEndpoint } from "../../../src/llamaServer/LlamaServerHttp";
import { collectGarbage } from "../../support/collectGarbage";
import { listenOnLoopback } from "../../support/loopbackModelServer";

interface RawServer {
    readonly base: URL;
    /** Requests whose connection closed before the server ended its answer. */
    closedEarly: number;
    requests: number;
    close(): Promise<void>;
}

/** A loopback server whose every answer is written by `answer`; it stops by itself after `ms`. */
async function startRawServer(answer: (response: http.ServerResponse, stop: AbortSignal) => void): Promise<RawServer> {
    const state = { closedEarly: 0, requests: 0 };
    const stop = new AbortController();
    const server = http.createServer((request, response) => {
        state.requests++;
        request.resume();
        response.on("close", () => {
            if (!response.writableFinished)
                state.closedEarly++;
        });
        answer(response, stop.signal);
    });
    const listening = await listenOnLoopback(server);
    return {
        base: new URL(`http://127.0.0.1:${listening.port}/`),
        get closedEarly() { return state.closedEarly; },
        get requests() { return state.requests; },
        close: () => {
            stop.abort();
            return listening.close();
        }
    };
}

/** Writes `chunk` every `everyMs` until the client leaves, the test ends, or `times` chunks (then ends the answer). */
function keepWriting(response: http.ServerResponse, stop: AbortSignal, chunk: string, everyMs: number, times: number): void {
    let sent = 0;
    const timer = setInterval(() => {
        if (stop.aborted || response.destroyed || ++sent > times) {
            clearInterval(timer);
            response.end();
            return;
        }
        response.write(chunk);
    }, everyMs);
}

/** Settles with the request's outcome, or "still running" when it has not ended within `ms`. */
async function within(ms: number, promise: Promise<unknown>): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((resolve) => {
        timer = setTimeout(() => resolve("still running"), ms);
    });
    try {
        return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), late]);
    } finally {
        clearTimeout(timer);
    }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("llama-server HTTP client (raw loopback servers)", function () {
    this.timeout(20_000);
    let server: RawServer | undefined;

    afterEach(async () => {
        await server?.close();
        server = undefined;
    });

    const endpoint = (base: URL, overrides: Partial<ServerEndpoint> = {}): ServerEndpoint => ({ base, display: base.host, timeoutMs: 1000, deadlineMs: 5000, ...overrides });
    const streamLimits = { maxBytes: 1 << 20, deadlineMs: 5000 };

    describe("a cancelled request ends even after a garbage collection", () => {
        it("a stream the server keeps feeding: abort after gc() ends it within the stall time", async () => {
            server = await startRawServer((response, stop) => {
                response.writeHead(200, { "content-type": "text/event-stream" });
                keepWriting(response, stop, `data: ${JSON.stringify({ content: "x", stop: false })}\n\n`, 20, 500);
            });
            const client = new LlamaServerHttp(endpoint(server.base));
            const abort = new AbortController();
            let events = 0;
            const request = client.stream("completion", {}, abort.signal, streamLimits, () => {
                events++;
                return true;
            });
            while (events < 3)
                await sleep(10);
            collectGarbage();
            abort.abort(new Error("typed on"));
            const outcome = await within(1000, request);
            assert.deepEqual(outcome, { error: abort.signal.reason }, `events so far: ${events}`);
            await sleep(50);
            assert.equal(server.closedEarly, 1, "the connection was closed");
        });

        it("a JSON request (the health probe) the server never answers: abort after gc() ends it", async () => {
            server = await startRawServer(() => undefined);
            const client = new LlamaServerHttp(endpoint(server.base, { timeoutMs: 10_000 }));
            const abort = new AbortController();
            const request = client.json("health", undefined, abort.signal);
            while (server.requests < 1)
                await sleep(10);
            collectGarbage();
            abort.abort(new Error("disposed"));
            assert.deepEqual(await within(1000, request), { error: abort.signal.reason });
        });

        it("a stream that stalls after gc(): the stall timer ends it", async () => {
            server = await startRawServer((response) => {
                response.writeHead(200, { "content-type": "text/event-stream" });
                response.write(`data: ${JSON.stringify({ content: "x", stop: false })}\n\n`);
            });
            const client = new LlamaServerHttp(endpoint(server.base, { timeoutMs: 300 }));
            let events = 0;
            const request = client.stream("completion", {}, new AbortController().signal, streamLimits, () => {
                events++;
                return true;
            });
            while (events < 1)
                await sleep(10);
            collectGarbage();
            const outcome = await within(1000, request) as { error?: unknown };
            assert.ok(outcome.error instanceof ServerFailure && outcome.error.kind === "timeout", String(outcome.error ?? JSON.stringify(outcome)));
        });
    });

    it("a request after a stream succeeds though llama-server drops that connection's next request (it says keep-alive)", async () => {
        // Seen with llama-server: after a chunked /completion answer, the next request on the same
        // connection gets no answer, the connection just closes ("socket hang up").
        const streamed = new WeakSet<object>();
        server = await startRawServer((response) => {
            const socket = response.socket!;
            if (streamed.has(socket))
                return void socket.destroy();
            if (response.req.url === "/completion") {
                streamed.add(socket);
                response.writeHead(200, { "content-type": "text/event-stream", "keep-alive": "timeout=5, max=100" });
                response.end(`data: ${JSON.stringify({ content: "x", stop: true })}\n\n`);
            } else
                response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tokens: [1] }));
        });
        const client = new LlamaServerHttp(endpoint(server.base));
        const signal = new AbortController().signal;
        for (let round = 0; round < 5; round++) {
            assert.equal((await client.json("tokenize", { content: "a" }, signal)).status, 200);
            assert.equal(await client.stream("completion", {}, signal, streamLimits, () => true), "ended");
            assert.deepEqual((await client.json("tokenize", { content: "a" }, signal)).body, { tokens: [1] }, `round ${round}`);
        }
    });

    it("a request on a kept-alive connection the server closed meanwhile is sent once more, on a new one", async () => {
        // The race every keep-alive client meets: the server closes an idle connection just as a request goes out on it.
        let answered = 0;
        server = await startRawServer((response) => {
            const socket = response.socket!;
            if (answered++ % 2 === 1)
                return void socket.destroy();
            response.writeHead(200, { "content-type": "application/json", "keep-alive": "timeout=5" }).end(JSON.stringify({ status: "ok" }));
        });
        const client = new LlamaServerHttp(endpoint(server.base));
        const signal = new AbortController().signal;
        for (let round = 0; round < 3; round++)
            assert.deepEqual((await client.json("health", undefined, signal)).body, { status: "ok" }, `round ${round}`);
        assert.equal(server.requests, 5, "each request after the first went out twice");
    });
});
