// A fake llama-server on loopback for the server backend's tests: /health, /props, /slots, /infill
// (as a probe), /tokenize and a streamed /completion, with a byte-level vocabulary like the fixture
// models' (a token per UTF-8 byte, then <s> 256, </s> 257 and the FIM tokens 258–260), and switches
// for every way a real one goes wrong: an API key, error statuses, 503 while loading, no FIM tokens,
// malformed or cut-off answers, dying mid-answer, answering slowly. It records each request.
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export const fakeTokens = { bos: 256, eos: 257, prefix: 258, suffix: 259, middle: 260 } as const;
const specialTexts: Record<number, string> = { 256: "<s>", 257: "</s>", 258: "<|fim_prefix|>", 259: "<|fim_suffix|>", 260: "<|fim_middle|>" };

export interface RecordedServerRequest {
    readonly method: string;
    readonly path: string;
    readonly body: unknown;
    readonly authorization?: string;
    /** The client closed the connection before the answer was complete. */
    closedEarly: boolean;
    /** Events written to a streamed answer. */
    eventsSent: number;
}

export interface FakeLlamaServerBehaviour {
    /** Require `Authorization: Bearer <apiKey>` (as `--api-key`); /health stays public. */
    apiKey?: string;
    /** --spm-infill. */
    spm: boolean;
    /** Answer /infill with 501 "Infill is not supported by this model". */
    noFim: boolean;
    /** Answer every endpoint but /health with 503 "Loading model". */
    loading: boolean;
    /** Status to answer /completion with, instead of streaming. */
    completionStatus?: number;
    /**
     * What /completion streams: the text (one event per character), or a sabotage; "flood": after
     * the first character, 200 events of 60 kB each (12 MB, whatever was asked), then the end.
     */
    completion: "normal" | "malformedEvent" | "truncatedEvent" | "noFinalEvent" | "dieMidStream" | "errorEvent" | "flood";
    /** Keep the answer open by trickling: /health (a space every 100 ms) or /completion (an SSE comment every 100 ms), 30 times before answering. */
    trickle?: "health" | "completion";
    /** A 401 repeats the Authorization header it got (a server or proxy that echoes it). */
    echoAuthorization?: boolean;
    /** Text streamed by /completion. */
    text: string;
    /** Wait before each event of /completion (and before the headers), ms. */
    eventDelayMs: number;
    /** Figures put in the timings of each event: drafted and accepted grow with the tokens sent. */
    draftPerToken: number;
    acceptedPerToken: number;
    /** The model named in /props and in each event. */
    model: string;
    contextSize: number;
    /** /slots reports speculative slots. */
    speculative: boolean;
}

export interface FakeLlamaServer {
    readonly url: string;
    readonly port: number;
    readonly requests: RecordedServerRequest[];
    readonly behaviour: FakeLlamaServerBehaviour;
    /** Requests to `path`, in order. */
    requestsTo(path: string): RecordedServerRequest[];
    /** Stops listening and drops every connection (a server that went away). */
    close(): Promise<void>;
    /** Listens again on the same port. */
    reopen(): Promise<void>;
}

export function defaultBehaviour(): FakeLlamaServerBehaviour {
    return {
        spm: false, noFim: false, loading: false, completion: "normal", text: "return a + b;\n}\n", eventDelayMs: 0,
        draftPerToken: 0, acceptedPerToken: 0, model: "fake-model.gguf", contextSize: 4096, speculative: false
    };
}

/** Byte tokens of `text`; with `parseSpecial`, special token texts become their ids. */
export function fakeTokenize(text: string, parseSpecial: boolean): number[] {
    const tokens: number[] = [];
    let rest = text;
    while (rest.length > 0) {
        const special = parseSpecial ? Object.entries(specialTexts).find(([, value]) => rest.startsWith(value)) : undefined;
        if (special != null) {
            tokens.push(Number(special[0]));
            rest = rest.slice(special[1].length);
            continue;
        }
        const char = String.fromCodePoint(rest.codePointAt(0)!);
        tokens.push(...Buffer.from(char, "utf8"));
        rest = rest.slice(char.length);
    }
    return tokens;
}

export function fakeDetokenize(tokens: readonly number[]): string {
    const bytes: number[] = [];
    let text = "";
    const flush = () => {
        text += Buffer.from(bytes).toString("utf8");
        bytes.length = 0;
    };
    for (const token of tokens)
        if (token < 256)
            bytes.push(token);
        else {
            flush();
            text += specialTexts[token] ?? "";
        }
    flush();
    return text;
}

export async function startFakeLlamaServer(overrides: Partial<FakeLlamaServerBehaviour> = {}, port = 0): Promise<FakeLlamaServer> {
    const behaviour: FakeLlamaServerBehaviour = { ...defaultBehaviour(), ...overrides };
    const requests: RecordedServerRequest[] = [];
    const sockets = new Set<Socket>();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    const json = (response: http.ServerResponse, status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    const error = (response: http.ServerResponse, status: number, message: string, type = "server_error") =>
        json(response, status, { error: { code: status, message, type } });

    const handle = async (response: http.ServerResponse, record: RecordedServerRequest) => {
        const path = record.path;
        if (path === "/health") {
            if (behaviour.trickle === "health")
                return void (await trickle(response, record, " ") && response.end(JSON.stringify({ status: "ok" })));
            if (behaviour.loading)
                return error(response, 503, "Loading model", "unavailable_error");
            return json(response, 200, { status: "ok" });
        }
        if (behaviour.apiKey != null && record.authorization !== `Bearer ${behaviour.apiKey}`)
            return error(response, 401, behaviour.echoAuthorization === true ? `Invalid API Key: got "${record.authorization ?? ""}"` : "Invalid API Key", "authentication_error");
        if (behaviour.loading)
            return error(response, 503, "Loading model", "unavailable_error");
        const body = (record.body ?? {}) as Record<string, unknown>;
        switch (path) {
            case "/props":
                return json(response, 200, {
                    default_generation_settings: { n_ctx: behaviour.contextSize, params: {} },
                    total_slots: 1, model_alias: behaviour.model, model_path: `/models/${behaviour.model}`, build_info: "fake"
                });
            case "/slots":
                return json(response, 200, [{ id: 0, n_ctx: behaviour.contextSize, speculative: behaviour.speculative }]);
            case "/infill": {
                if (behaviour.noFim)
                    return error(response, 501, "Infill is not supported by this model: prefix token is missing. suffix token is missing. middle token is missing. ", "not_supported_error");
                const prefix = [fakeTokens.prefix, ...fakeTokenize(String(body.input_prefix ?? ""), false)];
                const suffix = [fakeTokens.suffix, ...fakeTokenize(String(body.input_suffix ?? ""), false)];
                const tokens = behaviour.spm ? [fakeTokens.bos, ...suffix, ...prefix, fakeTokens.middle] : [fakeTokens.bos, ...prefix, ...suffix, fakeTokens.middle];
                return json(response, 200, { content: "", prompt: fakeDetokenize(tokens), stop: true });
            }
            case "/tokenize": {
                const parseSpecial = body.parse_special !== false;
                const content = Array.isArray(body.content) ? body.content : [body.content];
                const tokens = content.flatMap((piece) => (typeof piece === "number" ? [piece] : fakeTokenize(String(piece), parseSpecial)));
                if (body.add_special === true)
                    tokens.unshift(fakeTokens.bos);
                return json(response, 200, { tokens: body.with_pieces === true ? tokens.map((id) => ({ id, piece: fakeDetokenize([id]) })) : tokens });
            }
            case "/completion":
                return streamCompletion(response, body, record);
            default:
                return error(response, 404, "File Not Found", "not_found_error");
        }
    };

    /** Headers, then `text` every 100 ms, 30 times; false when the client left meanwhile. */
    const trickle = async (response: http.ServerResponse, record: RecordedServerRequest, text: string): Promise<boolean> => {
        response.writeHead(200, { "content-type": record.path === "/completion" ? "text/event-stream" : "application/json" });
        for (let i = 0; i < 30; i++) {
            await sleep(100);
            if (record.closedEarly)
                return false;
            response.write(text);
        }
        return true;
    };

    const streamCompletion = async (response: http.ServerResponse, body: Record<string, unknown>, record: RecordedServerRequest) => {
        if (behaviour.completionStatus != null)
            return error(response, behaviour.completionStatus, `scripted HTTP ${behaviour.completionStatus}`);
        await sleep(behaviour.eventDelayMs);
        if (record.closedEarly)
            return;
        if (behaviour.trickle === "completion") {
            if (!(await trickle(response, record, ":\n")))
                return;
        } else
            response.writeHead(200, { "content-type": "text/event-stream" });
        const prompt = Array.isArray(body.prompt) ? body.prompt.length : 0;
        const nPredict = typeof body.n_predict === "number" ? body.n_predict : 128;
        // A stop string in the text ends the answer before it, as llama-server's `stop` does.
        const stop = firstStopWord(behaviour.text, body.stop);
        // Like llama-server, n_predict 0 still samples one token.
        const chars = [...(stop != null ? behaviour.text.slice(0, stop.at) : behaviour.text)].slice(0, Math.max(1, nPredict));
        const stopType = chars.length >= nPredict ? "limit" : stop != null ? "word" : "eos";
        const timings = (predicted: number) => ({
            cache_n: 0, prompt_n: prompt, prompt_ms: 5, predicted_n: predicted, predicted_ms: predicted * 2,
            ...(behaviour.draftPerToken > 0 ? { draft_n: predicted * behaviour.draftPerToken, draft_n_accepted: predicted * behaviour.acceptedPerToken } : {})
        });
        const send = (event: string) => {
            record.eventsSent++;
            response.write(event);
        };
        for (let i = 0; i < chars.length; i++) {
            if (record.closedEarly)
                return;
            if (i > 0)
                await sleep(behaviour.eventDelayMs);
            if (record.closedEarly)
                return;
            if (i === 1 && behaviour.completion === "malformedEvent")
                return void response.end("data: {\"content\": \"x\", oops}\n\n");
            if (i === 1 && behaviour.completion === "truncatedEvent")
                return void response.end("data: {\"content\": \"x\", \"sto");
            if (i === 1 && behaviour.completion === "noFinalEvent")
                return void response.end();
            if (i === 1 && behaviour.completion === "dieMidStream")
                return void response.socket?.destroy();
            if (i === 1 && behaviour.completion === "flood") {
                const big = "y".repeat(60_000);
                for (let n = 0; n < 200 && !record.closedEarly; n++) {
                    if (!response.write(`data: ${JSON.stringify({ index: 0, content: big, stop: false })}\n\n`))
                        await new Promise<void>((resolve) => {
                            const done = () => {
                                response.off("drain", done).off("close", done);
                                resolve();
                            };
                            response.once("drain", done).once("close", done);
                        });
                    record.eventsSent++;
                }
                break;
            }
            if (i === 1 && behaviour.completion === "errorEvent")
                return void response.end(`data: ${JSON.stringify({ error: { code: 500, message: "scripted failure mid-stream", type: "server_error" } })}\n\n`);
            send(`data: ${JSON.stringify({ index: 0, content: chars[i], tokens: fakeTokenize(chars[i]!, false), stop: false, tokens_predicted: i + 1, timings: timings(i + 1) })}\n\n`);
        }
        send(`data: ${JSON.stringify({ index: 0, content: "", tokens: [], stop: true, stop_type: stopType, stopping_word: stopType === "word" ? stop!.word : "", model: behaviour.model, tokens_predicted: chars.length, timings: timings(chars.length) })}\n\n`);
        response.end();
    };

    const server = http.createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown;
            try {
                body = text === "" ? undefined : JSON.parse(text);
            } catch {
                body = text;
            }
            const record: RecordedServerRequest = {
                method: request.method ?? "GET",
                path: new URL(request.url ?? "/", "http://x").pathname,
                body,
                ...(request.headers.authorization != null ? { authorization: request.headers.authorization } : {}),
                closedEarly: false,
                eventsSent: 0
            };
            requests.push(record);
            response.on("close", () => {
                if (!response.writableFinished)
                    record.closedEarly = true;
            });
            void handle(response, record).catch(() => response.destroy());
        });
    });
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    const listen = (at: number) => new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(at, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
        });
    });
    await listen(port);
    const actualPort = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${actualPort}`,
        port: actualPort,
        requests,
        behaviour,
        requestsTo: (path) => requests.filter((entry) => entry.path === path),
        close: () => new Promise<void>((resolve) => {
            for (const socket of sockets)
                socket.destroy();
            server.close(() => resolve());
        }),
        reopen: () => listen(actualPort)
    };
}

/** The earliest of the request's stop strings in `text`, and where it starts. */
function firstStopWord(text: string, stop: unknown): { word: string; at: number } | undefined {
    let first: { word: string; at: number } | undefined;
    for (const word of Array.isArray(stop) ? stop : []) {
        const at = typeof word === "string" && word !== "" ? text.indexOf(word) : -1;
        if (at >= 0 && (first == null || at < first.at))
            first = { word: word as string, at };
    }
    return first;
}
