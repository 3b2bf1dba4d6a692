import * as assert from "node:assert/strict";
import type { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { loadSmallEngine, variedPrompts } from "../support/engineTestSupport";

describe("speculative greedy decoding is exact", function () {
    this.timeout(600_000);
    let engine: SpeculativeEngine;
    const prompts = variedPrompts(60);
    const reference = new Map<number, number[]>();
    let comparisons = 0;

    before(async () => {
        engine = await loadSmallEngine();
        for (const [index, prompt] of prompts.entries()) {
            const result = await engine.complete({ ...prompt, maxTokens: 40, speculative: false });
            reference.set(index, result.tokens);
        }
    });

    after(async () => {
        await engine?.dispose();
        console.log(`      exactness comparisons: ${comparisons} (${prompts.length} prompts)`);
    });

    // Confidence 0 makes the draft propose at every position, so verification and rollback are
    // exercised as much as possible; one run keeps the default early stop.
    const variants = [
        ["draft model, K=1", "model", 1, false, 0], ["draft model, K=2", "model", 2, false, 0],
        ["draft model, K=4", "model", 4, false, 0], ["draft model, K=8", "model", 8, false, 0],
        ["draft model, adaptive K≤8", "model", 8, true, 0], ["draft model, K=4, confidence 0.3", "model", 4, false, 0.3],
        ["prompt lookup, K=8", "ngram", 8, false, 0], ["hybrid, adaptive K≤8", "hybrid", 8, true, 0]
    ] as const;
    for (const [label, drafter, draftMax, adaptiveDraft, draftConfidence] of variants)
        it(`matches target-alone token for token on ${prompts.length} prompts with ${label}`, async () => {
            engine.setDecodingOptions({ drafter, draftMax, adaptiveDraft, draftConfidence, speculative: true });
            let drafted = 0;
            for (const [index, prompt] of prompts.entries()) {
                const result = await engine.complete({ ...prompt, maxTokens: 40 });
                assert.deepEqual(result.tokens, reference.get(index), `prompt ${index} ${JSON.stringify(prompt.prefix)} diverged with ${label}`);
                assert.equal(result.speculative, true);
                drafted += result.stats.draftedTokens;
                comparisons++;
            }
            assert.ok(drafted > 0, "the draft proposed nothing, so nothing was tested");
        });

    it("nextTokenProbabilities (the bench's near-tie check) rates the target alone's next token highest at every step of a completion", async () => {
        for (const index of [1, 5, 9]) {
            const prompt = prompts[index];
            const tokens = reference.get(index)!;
            for (const at of [0, Math.floor(tokens.length / 2), tokens.length - 1]) {
                const probabilities = await engine.nextTokenProbabilities({ ...prompt, maxTokens: 40 }, tokens.slice(0, at) as never[]);
                const best = [...probabilities.entries()].sort((a, b) => b[1] - a[1])[0];
                assert.equal(best?.[0], tokens[at], `prompt ${index}, token ${at}`);
            }
        }
    });

    it("target-alone decoding agrees with node-llama-cpp's own greedy evaluate()", async () => {
        // An independent path: if the engine's loop had a bug shared by both of its modes, this catches it.
        const { getLlama } = await import("node-llama-cpp");
        const llama = await getLlama({ gpu: false, build: "never" });
        const model = await llama.loadModel({ modelPath: engine.info.targetPath });
        const context = await model.createContext({ contextSize: 2048, threads: 1 });
        try {
            for (const index of [0, 3, 7, 12, 16, 19]) {
                const prompt = prompts[index];
                const sequence = context.getSequence();
                const tokens = engine.promptTokens({ ...prompt, maxTokens: 40 });
                const out: number[] = [];
                for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
                    if (model.isEogToken(token) || out.length >= 40)
                        break;
                    out.push(token);
                }
                sequence.dispose();
                assert.deepEqual(out, reference.get(index), `prompt ${index}`);
                comparisons++;
            }
        } finally {
            await context.dispose();
            await model.dispose();
        }
    });
});
