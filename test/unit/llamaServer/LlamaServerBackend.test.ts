// The llama.cpp server backend against a fake llama-server on loopback: how it connects, the exact
// prompt it sends, streaming and maxLines, the speculative figures, aborts, and every bad
// condition the status bar shows, each recovering by itself.
import * as assert from "node:assert/strict";
import type { BackendOutcome, BackendRequest } from "../../../src/completion/CompletionBackend";
import { buildPrompt, type PromptTokenizer } from "../../../src/engine/buildPrompt";
import type { Token } from "../../../src/engine/llamaTypes";
import { LlamaServerBackend, type LlamaServerBackendOptions, type ServerHealth, type ServerHealthKind } from "../../../src/llamaServer/LlamaServerBackend";
import { fakeTokenize, fakeTokens, startFakeLlamaServer, type FakeLlamaServer, type FakeLlamaServerBehaviour } from "../../support/fakeLlamaServer";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bytes = (text: string) => [...Buffer.from(text, "utf8")];

describe("llama.cpp server backend (fake server on loopback)", function () {
    this.timeout(20_000);
    let server: FakeLlamaServer | undefined;
    const backends: LlamaServerBackend[] = [];

    afterEach(async () => {
        for (const backend of backends.splice(0))
            backend.dispose();
        await server?.close();
        server = undefined;
    });

    async function start(behaviour: Partial<FakeLlamaServerBehaviour> = {}): Promise<FakeLlamaServer> {
        server = await startFakeLlamaServer(behaviour);
        return server;
    }

    function connect(url: string, options: Partial<LlamaServerBackendOptions> = {}): LlamaServerBackend {
        const backend = new LlamaServerBackend({ url, urlSource: "default", timeoutMs: 2000, retry: { firstMs: 30, maxMs: 100 }, healthIntervalMs: 60_000, ...options });
        backends.push(backend);
        return backend;
    }

    /** Every health kind the backend passes through, from now on. */
    function record(backend: LlamaServerBackend): ServerHealthKind[] {
        const kinds: ServerHealthKind[] = [];
        backend.onDidChangeHealth((health) => kinds.push(health.kind));
        return kinds;
    }

    async function waitFor(backend: LlamaServerBackend, kind: ServerHealthKind, timeoutMs = 5000): Promise<ServerHealth> {
        const deadline = Date.now() + timeoutMs;
        while (backend.health.kind !== kind) {
            if (Date.now() > deadline)
                throw new Error(`health is ${JSON.stringify(backend.health)}, not ${kind}`);
            await sleep(10);
        }
        return backend.health;
    }

    const request = (overrides: Partial<BackendRequest> = {}): BackendRequest => ({ prefix: "function add(a, b) {\n    ", suffix: "\n}\n", maxTokens: 32, ...overrides });
    const complete = (backend: LlamaServerBackend, req: BackendRequest = request(), signal = new AbortController().signal, onText?: (delta: string) => void) => backend.complete(req, signal, onText);

    function resultOf(outcome: BackendOutcome) {
        assert.equal(outcome.kind, "result", JSON.stringify(outcome));
        return (outcome as Extract<BackendOutcome, { kind: "result" }>).result;
    }

    /** The token ids the last /completion request carried. */
    const lastPrompt = (fake: FakeLlamaServer) => (fake.requestsTo("/completion").at(-1)!.body as { prompt: number[] }).prompt;

    describe("connecting", () => {
        it("finds the FIM tokens, their order, BOS, the context and speculation (PSM and --spm-infill)", async () => {
            for (const spm of [false, true]) {
                const fake = await start({ spm, speculative: spm, contextSize: 2048, model: "coder.gguf" });
                const health = await waitFor(connect(fake.url), "ready");
                assert.ok(health.kind === "ready");
                assert.deepEqual(health.model.fim, { prefix: fakeTokens.prefix, suffix: fakeTokens.suffix, middle: fakeTokens.middle, layout: spm ? "spm" : "psm" });
                assert.equal(health.model.bos, fakeTokens.bos);
                assert.equal(health.model.contextSize, 2048);
                assert.equal(health.model.name, "coder.gguf");
                assert.equal(health.model.speculative, spm);
                await fake.close();
                server = undefined;
            }
        });

        it("sends nothing for an address it must not use", async () => {
            const fake = await start();
            const backend = connect(`http://user:pw@127.0.0.1:${fake.port}`);
            assert.equal(backend.health.kind, "misconfigured");
            await sleep(100);
            assert.equal(fake.requests.length, 0);
            assert.equal((await complete(backend)).kind, "error");
        });
    });

    describe("the request", () => {
        it("is the local engine's prompt as token ids: PSM with the middle head after <MID>, extra context after <PRE>", async () => {
            const fake = await start({ text: "x" });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            resultOf(await complete(backend, { prefix: "ab", middleChars: 1, suffix: "c", extraContext: "x", maxTokens: 8 }));
            const { bos, prefix, suffix, middle } = fakeTokens;
            assert.deepEqual(lastPrompt(fake), [bos, prefix, ...bytes("x"), ...bytes("a"), suffix, ...bytes("c"), middle, ...bytes("b")]);
            // The same as the engine's own prompt builder with a byte tokenizer.
            const tokenizer: PromptTokenizer = {
                tokenize: (text) => bytes(text) as Token[], bos: bos as Token, shouldPrependBos: true,
                fim: { prefix: prefix as Token, suffix: suffix as Token, middle: middle as Token, layout: "psm" }
            };
            const parts = { prefix: "const a = 1;\nconst b = ", middleChars: 10, suffix: ";\n", extraContext: "path: util.ts\nexport const x = 2;\n", fim: true };
            resultOf(await complete(backend, { ...parts, maxTokens: 8 }));
            assert.deepEqual(lastPrompt(fake), buildPrompt(tokenizer, parts, 4096 - 8 - 16 - 2).tokens);
        });

        it("follows --spm-infill: <PRE> extra <SUF> suffix <MID> prefix", async () => {
            const fake = await start({ spm: true, text: "x" });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            resultOf(await complete(backend, { prefix: "ab", middleChars: 1, suffix: "c", extraContext: "x", maxTokens: 8 }));
            const { bos, prefix, suffix, middle } = fakeTokens;
            assert.deepEqual(lastPrompt(fake), [bos, prefix, ...bytes("x"), suffix, ...bytes("c"), middle, ...bytes("ab")]);
        });

        it("asks for greedy decoding, streaming, the prompt cache and running timings", async () => {
            const fake = await start({ text: "x" });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            resultOf(await complete(backend, request({ maxTokens: 20 })));
            const body = fake.requestsTo("/completion").at(-1)!.body as Record<string, unknown>;
            assert.deepEqual({ ...body, prompt: undefined }, {
                prompt: undefined, n_predict: 20, stream: true, cache_prompt: true, timings_per_token: true, temperature: 0, samplers: ["top_k"], top_k: 1
            });
            resultOf(await complete(backend, request({ maxTokens: 20, temperature: 0.7, seed: 5 })));
            const sampled = fake.requestsTo("/completion").at(-1)!.body as Record<string, unknown>;
            assert.equal(sampled.temperature, 0.7);
            assert.equal(sampled.seed, 5);
        });

        it("keeps text that looks like a special token as text", async () => {
            const fake = await start({ text: "x" });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            resultOf(await complete(backend, request({ prefix: "const marker = \"<|fim_middle|></s>\";\n" })));
            const tokenizeBody = fake.requestsTo("/tokenize").at(-1)!.body as Record<string, unknown>;
            assert.equal(tokenizeBody.parse_special, false);
            const prompt = lastPrompt(fake);
            assert.equal(prompt.filter((token) => token === fakeTokens.middle).length, 1, "one <MID>: the layout's");
            assert.ok(!prompt.includes(fakeTokens.eos));
            const code = fakeTokenize("\"<|fim_middle|></s>\";", false);
            assert.ok(prompt.some((_, at) => code.every((token, i) => prompt[at + i] === token)), "the code's bytes are in the prompt");
        });

        it("warm-up (prefill only) asks for no tokens and reports none", async () => {
            const fake = await start({ text: "abc" });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            const result = resultOf(await complete(backend, request({ prefillOnly: true })));
            assert.equal((fake.requestsTo("/completion").at(-1)!.body as { n_predict: number }).n_predict, 0);
            assert.equal(result.text, "");
            assert.equal(result.stats.generatedTokens, 0);
        });
    });

    describe("the answer", () => {
        it("streams the text and ends with the server's stop reason", async () => {
            const fake = await start({ text: "a + b;" });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            const pieces: string[] = [];
            const result = resultOf(await complete(backend, request(), undefined, (delta) => pieces.push(delta)));
            assert.equal(result.text, "a + b;");
            assert.deepEqual(pieces, [..."a + b;"]);
            assert.equal(result.stopReason, "eos");
            assert.equal(resultOf(await complete(backend, request({ maxTokens: 3 }))).stopReason, "maxTokens");
        });

        it("stops at maxLines like the local engine, and closes the connection so the server stops generating", async () => {
            const fake = await start({ text: "a\nb\nc\nd\ne\nf\n", eventDelayMs: 15 });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            let streamed = "";
            const result = resultOf(await complete(backend, request({ maxLines: 2 }), undefined, (delta) => {
                streamed += delta;
            }));
            assert.equal(result.text, "a\nb");
            assert.equal(result.stopReason, "maxLines");
            assert.equal(streamed, "a\nb\n");
            await sleep(100);
            const answer = fake.requestsTo("/completion").at(-1)!;
            assert.equal(answer.closedEarly, true, "the connection was closed before the answer's end");
            assert.ok(answer.eventsSent < 12, `${answer.eventsSent} events sent of 13`);
        });

        it("turns the server's draft figures into the acceptance the status bar shows", async () => {
            const fake = await start({ text: "abcd", draftPerToken: 1, acceptedPerToken: 0.5 });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            const result = resultOf(await complete(backend));
            assert.equal(result.speculative, true);
            assert.deepEqual({ ...result.stats, totalMs: 0 }, {
                draftedTokens: 4, acceptedTokens: 2, targetEvals: 2, generatedTokens: 4, acceptanceRate: 0.5, tokensPerTargetEval: 2,
                promptTokens: lastPrompt(fake).length, reusedPromptTokens: 0, promptMs: 5, draftMs: 0, targetMs: 8, totalMs: 0
            });
        });

        it("an abort closes the connection at once and ends the request as aborted", async () => {
            const fake = await start({ text: "x".repeat(100), eventDelayMs: 30 });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            const abort = new AbortController();
            const outcome = await complete(backend, request(), abort.signal, () => abort.abort());
            const result = resultOf(outcome);
            assert.equal(result.stopReason, "aborted");
            await sleep(100);
            const answer = fake.requestsTo("/completion").at(-1)!;
            assert.equal(answer.closedEarly, true);
            assert.ok(answer.eventsSent <= 3, `${answer.eventsSent} events sent after the abort`);
            assert.equal(backend.health.kind, "ready", "an abort is not a server problem");
        });
    });

    describe("bad conditions: one health state each, and back to ready by itself", () => {
        it("refused: nothing listens; ready once the server starts", async () => {
            const fake = await start();
            await fake.close();
            const backend = connect(fake.url);
            const health = await waitFor(backend, "offline");
            assert.ok(health.kind === "offline" && /connection refused/.test(health.message), JSON.stringify(health));
            assert.equal((await complete(backend)).kind, "error", "no request while offline");
            await fake.reopen();
            await waitFor(backend, "ready");
            resultOf(await complete(backend));
        });

        it("401 and 403: the key is missing or wrong; the right key connects", async () => {
            const fake = await start({ apiKey: "s3cret" });
            const missing = await waitFor(connect(fake.url), "unauthorized");
            assert.ok(missing.kind === "unauthorized" && /401/.test(missing.message));
            assert.equal((await waitFor(connect(fake.url, { apiKey: "wrong" }), "unauthorized")).kind, "unauthorized");
            const backend = connect(fake.url, { apiKey: "s3cret" });
            await waitFor(backend, "ready");
            assert.ok(fake.requestsTo("/completion").length === 0);
            resultOf(await complete(backend));
            assert.equal(fake.requestsTo("/completion").at(-1)!.authorization, "Bearer s3cret");
            fake.behaviour.completionStatus = 403;
            assert.equal((await complete(backend)).kind, "crashed");
            const forbidden = await waitFor(backend, "unauthorized");
            assert.ok(forbidden.kind === "unauthorized" && /403/.test(forbidden.message) && !forbidden.message.includes("s3cret"));
        });

        it("503: the server is loading its model; ready once it has", async () => {
            const fake = await start({ loading: true });
            const backend = connect(fake.url);
            await waitFor(backend, "loading");
            fake.behaviour.loading = false;
            await waitFor(backend, "ready");
        });

        it("5xx and 4xx answers: a server error, then ready again when it answers", async () => {
            for (const status of [500, 400]) {
                const fake = await start({ completionStatus: status });
                const backend = connect(fake.url);
                await waitFor(backend, "ready");
                const kinds = record(backend);
                assert.equal((await complete(backend)).kind, "crashed");
                assert.equal(kinds[0], "failing");
                assert.match((backend.health as { message: string }).message, new RegExp(`HTTP ${status}: scripted HTTP ${status}`));
                await waitFor(backend, "ready");
                fake.behaviour.completionStatus = undefined;
                resultOf(await complete(backend));
                await fake.close();
                server = undefined;
            }
        });

        it("malformed, truncated and error events: a server error", async () => {
            const expected: [FakeLlamaServerBehaviour["completion"], RegExp][] = [
                ["malformedEvent", /not JSON/],
                ["truncatedEvent", /middle of an event/],
                ["errorEvent", /scripted failure mid-stream/]
            ];
            for (const [completion, message] of expected) {
                const fake = await start({ completion });
                const backend = connect(fake.url);
                await waitFor(backend, "ready");
                const kinds = record(backend);
                let health: ServerHealth | undefined;
                backend.onDidChangeHealth((next) => {
                    health ??= next;
                });
                assert.equal((await complete(backend)).kind, "crashed", completion);
                assert.equal(kinds[0], "failing", completion);
                assert.match((health as { message: string }).message, message);
                await fake.close();
                server = undefined;
            }
        });

        it("the server dies mid-answer or ends it early: offline, then ready when it is back", async () => {
            for (const completion of ["dieMidStream", "noFinalEvent"] as const) {
                const fake = await start({ completion });
                const backend = connect(fake.url);
                await waitFor(backend, "ready");
                const kinds = record(backend);
                let first: ServerHealth | undefined;
                backend.onDidChangeHealth((next) => {
                    first ??= next;
                });
                const pieces: string[] = [];
                assert.equal((await complete(backend, request(), undefined, (delta) => pieces.push(delta))).kind, "crashed");
                assert.equal(kinds[0], "offline", completion);
                assert.match((first as { message: string }).message, completion === "dieMidStream" ? /dropped/ : /closed the answer before its end/);
                assert.deepEqual(pieces, ["r"], "what came before the failure was streamed");
                await waitFor(backend, "ready");
                await fake.close();
                server = undefined;
            }
        });

        it("slow: nothing within the timeout; a request that does not wait", async () => {
            const fake = await start({ eventDelayMs: 400 });
            const backend = connect(fake.url, { timeoutMs: 150 });
            await waitFor(backend, "ready");
            const kinds = record(backend);
            const started = Date.now();
            assert.equal((await complete(backend)).kind, "crashed");
            assert.ok(Date.now() - started < 380, `gave up after ${Date.now() - started} ms`);
            assert.equal(kinds[0], "slow");
            fake.behaviour.eventDelayMs = 0;
            await waitFor(backend, "ready");
            resultOf(await complete(backend));
        });

        it("an answer far larger than was asked for: the stream is closed and the server is failing", async () => {
            const fake = await start({ completion: "flood" });
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            const kinds = record(backend);
            let streamed = 0;
            const outcome = await complete(backend, request({ maxTokens: 8 }), undefined, (delta) => {
                streamed += delta.length;
            });
            assert.equal(outcome.kind, "crashed", `streamed ${streamed} characters`);
            assert.equal(kinds[0], "failing");
            assert.match((backend.health as { message: string }).message, /\/completion answered with more than \d+ kB, far more than was asked for/);
            await sleep(100);
            const answer = fake.requestsTo("/completion").at(-1)!;
            assert.equal(answer.closedEarly, true, "the connection was closed");
            assert.ok(answer.eventsSent < 100, `${answer.eventsSent} events of 60 kB sent`);
        });

        it("a stream kept open by trickled comments ends at its deadline", async () => {
            const fake = await start({ trickle: "completion" });
            const backend = connect(fake.url, { timeoutMs: 300, deadline: { baseMs: 600, perTokenMs: 10 } });
            await waitFor(backend, "ready");
            const kinds = record(backend);
            assert.equal((await complete(backend, request({ maxTokens: 8 }))).kind, "crashed");
            assert.equal(kinds[0], "slow");
            assert.match((backend.health as { message: string }).message, /did not finish answering \/completion within 0\.7 s/);
            await sleep(100);
            assert.equal(fake.requestsTo("/completion").at(-1)!.closedEarly, true);
        });

        it("a health probe kept open by a trickle ends at its deadline: slow, then ready once the server answers", async () => {
            const fake = await start({ trickle: "health" });
            const backend = connect(fake.url, { timeoutMs: 300, deadline: { baseMs: 600, perTokenMs: 10 } });
            const health = await waitFor(backend, "slow", 2500);
            assert.ok(health.kind === "slow" && /did not finish answering \/health within 0\.6 s/.test(health.message), JSON.stringify(health));
            fake.behaviour.trickle = undefined;
            await waitFor(backend, "ready");
        });

        it("a server that echoes the key in its refusal: the key and bearer-shaped text never reach the message", async () => {
            const fake = await start({ apiKey: "the-right-key", echoAuthorization: true });
            const backend = connect(fake.url, { apiKey: "wrong-key-4711" });
            const health = await waitFor(backend, "unauthorized");
            assert.ok(health.kind === "unauthorized");
            assert.match(health.message, /HTTP 401: Invalid API Key: got "Bearer \[redacted\]"/);
            assert.ok(!health.message.includes("wrong-key-4711"), health.message);
        });

        it("a model without FIM tokens: noFim, and no completion is attempted", async () => {
            const fake = await start({ noFim: true });
            const backend = connect(fake.url);
            const health = await waitFor(backend, "noFim");
            assert.ok(health.kind === "noFim" && /fill-in-the-middle/.test(health.message));
            assert.equal((await complete(backend)).kind, "error");
            assert.equal(fake.requestsTo("/completion").length, 0);
            fake.behaviour.noFim = false;
            await waitFor(backend, "ready");
        });

        it("a server that goes away while idle shows as offline without a request (the /health poll)", async () => {
            const fake = await start();
            const backend = connect(fake.url, { healthIntervalMs: 40 });
            await waitFor(backend, "ready");
            await fake.close();
            await waitFor(backend, "offline");
            await fake.reopen();
            await waitFor(backend, "ready");
        });

        it("a server restarted with another model is probed again before the next request", async () => {
            const fake = await start();
            const backend = connect(fake.url);
            await waitFor(backend, "ready");
            const kinds = record(backend);
            fake.behaviour.model = "another.gguf";
            assert.equal((await complete(backend)).kind, "crashed");
            assert.equal(kinds[0], "connecting");
            const health = await waitFor(backend, "ready");
            assert.ok(health.kind === "ready" && health.model.name === "another.gguf");
        });
    });
});
