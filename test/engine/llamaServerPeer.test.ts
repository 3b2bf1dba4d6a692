import * as assert from "node:assert/strict";
import { LlamaServerPeer, type NativeMode } from "../../src/bench/LlamaServerPeer";
import { locateLlamaServer } from "../../src/bench/locateLlamaServer";
import type { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { loadSmallEngine, smallFixtures, variedPrompts } from "../support/engineTestSupport";

/**
 * A quick smoke test of the bench's native peer on the real llama-server (scripts/build-llama-server.sh
 * builds it; .ci/run does so before the tests). Without the binary it is skipped loudly on a
 * developer machine and fails in CI.
 */
describe("llama-server peer on the small fixture pair", function () {
    this.timeout(300_000);
    let binary: string | undefined;
    let engine: SpeculativeEngine | undefined;

    before(async function () {
        const located = await locateLlamaServer("find");
        if ("reason" in located) {
            if (process.env.CI === "true")
                throw new Error(`CI=true but llama-server is not built (${located.reason}); .ci/run builds it with scripts/build-llama-server.sh`);
            console.log(`\n######## SKIPPED: llama-server smoke test (${located.reason}). Run scripts/build-llama-server.sh to enable it. ########\n`);
            this.skip();
        }
        binary = located.binary;
        engine = await loadSmallEngine();
    });

    after(async () => {
        await engine?.dispose();
    });

    for (const mode of ["plain", "draft+ngram"] as const satisfies readonly NativeMode[])
        it(`${mode}: decodes the same prompt token ids to the same tokens as Specula's target alone`, async () => {
            const paths = await smallFixtures();
            const server = await LlamaServerPeer.start({ binary: binary!, mode, targetPath: paths.smallTarget, draftPath: paths.smallDraft, contextSize: 2048, threads: 1 });
            try {
                let tokens = 0;
                for (const prompt of variedPrompts(8).filter((candidate) => candidate.prefix.length > 0).slice(0, 5)) {
                    const request = { ...prompt, maxTokens: 24 };
                    const reference = await engine!.complete({ ...request, speculative: false });
                    const result = await server.run(engine!.promptTokens(request), 24);
                    assert.deepEqual(result.tokens, reference.tokens, `llama-server (${mode}) diverged on ${JSON.stringify(prompt.prefix)}`);
                    assert.equal(result.promptEvaluated, 1, "the priming request left all but the last prompt token in the server's cache");
                    assert.ok(result.decodeMs > 0 && Number.isFinite(result.decodeMs));
                    tokens += result.tokens.length;
                }
                assert.ok(tokens > 0, "no prompt produced any token, so nothing was compared");
            } finally {
                await server.dispose();
            }
        });
});
