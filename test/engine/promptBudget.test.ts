import * as assert from "node:assert/strict";
import { loadSmallEngine } from "./engineTestSupport";

describe("the prompt keeps at least half the context whatever maxTokens asks for", function () {
    this.timeout(120_000);

    it("maxTokens 4085 on a 4096-token context: the prompt still gets 2 048 tokens, not 5", async () => {
        const engine = await loadSmallEngine({ contextSize: 4096 });
        try {
            const prefix = "export function parse(text: string): number {\n    return Number(text);\n}\n".repeat(200);
            const tokens = engine.promptTokens({ prefix, maxTokens: 4085 });
            console.log(`      prompt of ${tokens.length} tokens (context ${engine.info.contextSize}); with maxTokens 128: ${engine.promptTokens({ prefix, maxTokens: 128 }).length}`);
            assert.ok(tokens.length >= 1792, `the prompt was cut to ${tokens.length} tokens`);
            const result = await engine.complete({ prefix, maxTokens: 4085, maxLines: 1 });
            assert.equal(result.stats.promptTokens, tokens.length);
        } finally {
            await engine.dispose();
        }
    });
});
