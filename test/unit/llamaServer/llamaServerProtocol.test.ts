import * as assert from "node:assert/strict";
import { ServerFailure } from "../../../src/llamaServer/LlamaServerHttp";
import { findBos, findFimTokens, healthReady, parseProps, parseStreamEvent, parseTokenCompletion, statsFromTimings, tokenCompletionBody } from "../../../src/llamaServer/llamaServerProtocol";

const pieces = (list: [number, string][]) => list.map(([id, piece]) => ({ id, piece }));

describe("llama-server protocol", () => {
    it("finds the FIM tokens after repo-level headers (Qwen) and with SentencePiece spaces (CodeLlama, SPM)", () => {
        // Qwen2.5-Coder's /infill prompt: <|repo_name|>myproject\n<|file_sep|>filename\n<|fim_prefix|>1<|fim_suffix|>2<|fim_middle|>
        const qwen = pieces([[151663, "<|repo_name|>"], [2408, "myproject"], [198, "\n"], [151664, "<|file_sep|>"], [8404, "filename"], [198, "\n"],
            [151659, "<|fim_prefix|>"], [16, "1"], [151661, "<|fim_suffix|>"], [17, "2"], [151660, "<|fim_middle|>"]]);
        assert.deepEqual(findFimTokens(qwen), { prefix: 151659, suffix: 151661, middle: 151660, layout: "psm" });
        const codellama = pieces([[1, "<s>"], [32008, "▁<SUF>"], [29871, "▁2"], [32007, "▁<PRE>"], [29896, "▁1"], [32009, "▁<MID>"]]);
        assert.deepEqual(findFimTokens(codellama), { prefix: 32007, suffix: 32008, middle: 32009, layout: "spm" });
    });

    it("refuses a probe prompt it cannot read rather than guessing token ids", () => {
        const cases = [
            pieces([[1, "<s>"], [16, "1"], [17, "2"]]),
            pieces([[258, "<PRE>"], [16, "1"], [259, "<SUF>"], [17, "2"], [260, "<MID>"], [5, "x"]]),
            pieces([[258, "<PRE>"], [29871, "▁"], [16, "1"], [259, "<SUF>"], [17, "2"], [260, "<MID>"]]),
            pieces([[258, "<X>"], [16, "1"], [258, "<X>"], [17, "2"], [260, "<MID>"]])
        ];
        for (const probe of cases)
            assert.throws(() => findFimTokens(probe), (error: unknown) => error instanceof ServerFailure && error.kind === "malformed");
    });

    it("finds BOS only when adding special tokens puts one in front", () => {
        assert.equal(findBos([1, 16], [16]), 1);
        assert.equal(findBos([16], [16]), null);
    });

    it("reads the model and context from /props, and says what is missing", () => {
        assert.deepEqual(parseProps({ default_generation_settings: { n_ctx: 8192 }, model_path: "/m/qwen2.5-coder-7b-q8_0.gguf", model_alias: "/m/qwen2.5-coder-7b-q8_0.gguf", total_slots: 4 }),
            { name: "qwen2.5-coder-7b-q8_0.gguf", id: "/m/qwen2.5-coder-7b-q8_0.gguf", contextSize: 8192, slots: 4 });
        assert.equal(parseProps({ default_generation_settings: { n_ctx: 4096 }, model_path: "/m/x.gguf", model_alias: "coder" }).name, "coder");
        assert.throws(() => parseProps({ model_path: "x" }), /n_ctx/);
        assert.throws(() => parseProps([]), /JSON object/);
    });

    it("maps error events by their code and refuses events without content", () => {
        assert.throws(() => parseStreamEvent({ error: { code: 401, message: "Invalid API Key" } }), (error: unknown) => error instanceof ServerFailure && error.kind === "unauthorized");
        assert.throws(() => parseStreamEvent({ error: { code: 500, message: "boom" } }), (error: unknown) => error instanceof ServerFailure && error.kind === "http" && /boom/.test(error.message));
        assert.throws(() => parseStreamEvent({ stop: false }), (error: unknown) => error instanceof ServerFailure && error.kind === "malformed");
        assert.throws(() => parseStreamEvent("text"), (error: unknown) => error instanceof ServerFailure && error.kind === "malformed");
        assert.deepEqual(parseStreamEvent({ content: "a", stop: true, stop_type: "eos", timings: { prompt_n: 3, draft_n: 4, draft_n_accepted: 3, predicted_n: 2, predicted_ms: -1 } }), {
            content: "a", stop: true, stopType: "eos",
            timings: { cacheN: 0, promptN: 3, promptMs: 0, predictedN: 2, predictedMs: 0, draftN: 4, draftAccepted: 3 }
        });
    });

    it("counts target passes as generated − accepted, and never reports more accepted than drafted", () => {
        const stats = statsFromTimings({ cacheN: 90, promptN: 10, promptMs: 12, predictedN: 30, predictedMs: 300, draftN: 24, draftAccepted: 20 }, 30, 100, 400);
        assert.equal(stats.targetEvals, 10);
        assert.equal(stats.tokensPerTargetEval, 3);
        assert.equal(stats.acceptanceRate, 20 / 24);
        assert.equal(stats.reusedPromptTokens, 90);
        const odd = statsFromTimings({ cacheN: 0, promptN: 1, promptMs: 1, predictedN: 2, predictedMs: 1, draftN: 3, draftAccepted: 9 }, 2, 1, 5);
        assert.equal(odd.acceptedTokens, 2);
        const plain = statsFromTimings({ cacheN: 0, promptN: 1, promptMs: 1, predictedN: 5, predictedMs: 10 }, 5, 1, 20);
        assert.deepEqual([plain.draftedTokens, plain.targetEvals, plain.tokensPerTargetEval], [0, 5, 1]);
    });

    it("asks the bench's /completion for greedy decoding of exactly the given token ids, answered in one piece with token ids", () => {
        const body = tokenCompletionBody([1, 2, 3], 48);
        assert.deepEqual(body.prompt, [1, 2, 3]);
        assert.equal(body.n_predict, 48);
        assert.deepEqual(body.samplers, ["top_k"]);
        assert.equal(body.top_k, 1);
        assert.equal(body.temperature, 0);
        assert.equal(body.cache_prompt, true);
        assert.equal(body.return_tokens, true);
        assert.equal(body.stream, false);
    });

    it("reads a /completion answer's token ids and timings, and refuses one without them with one clear error", () => {
        const answer = parseTokenCompletion({ tokens: [4, 5, 2], stop_type: "eos", timings: { prompt_n: 1, prompt_ms: 25, predicted_n: 3, predicted_ms: 50, draft_n: 6, draft_n_accepted: 4 } });
        assert.deepEqual(answer.tokens, [4, 5, 2]);
        assert.equal(answer.stopType, "eos");
        assert.deepEqual(answer.timings, { cacheN: 0, promptN: 1, promptMs: 25, predictedN: 3, predictedMs: 50, draftN: 6, draftAccepted: 4 });
        const malformed = (pattern: RegExp) => (error: unknown) => error instanceof ServerFailure && error.kind === "malformed" && pattern.test(error.message);
        assert.throws(() => parseTokenCompletion({ content: "x", timings: {} }), malformed(/no "tokens" array/));
        assert.throws(() => parseTokenCompletion({ tokens: [1], stop_type: "eos" }), malformed(/no "timings"/));
        assert.throws(() => parseTokenCompletion({ tokens: [1], timings: { prompt_n: 1, prompt_ms: 1, predicted_n: 1 } }), malformed(/"predicted_ms"/));
        assert.throws(() => parseTokenCompletion("oops"), malformed(/not a JSON object/));
    });

    it("calls the server healthy only when /health answers {\"status\":\"ok\"}", () => {
        assert.equal(healthReady({ status: 200, body: { status: "ok" } }), true);
        assert.equal(healthReady({ status: 503, body: { error: { message: "Loading model" } } }), false);
        assert.equal(healthReady({ status: 200, body: { status: "loading model" } }), false);
        assert.equal(healthReady({ status: 200, body: "ok" }), false);
    });
});
