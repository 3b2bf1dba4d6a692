import * as assert from "node:assert/strict";
import { checkVocabularyCompatibility } from "../../../src/engine/modelFile/checkVocabularyCompatibility";
import type { GgufFileInfo } from "../../../src/engine/llamaTypes";

function info(tokens: string[], extra: Record<string, unknown> = {}, model = "gpt2"): GgufFileInfo {
    return { metadata: { tokenizer: { ggml: { model, tokens, bos_token_id: 0, eos_token_id: 1, ...extra } } } } as unknown as GgufFileInfo;
}
const base = ["<s>", "</s>", "a", "b", "c", "d"];

describe("checkVocabularyCompatibility", () => {
    it("accepts identical vocabularies", () => {
        assert.deepEqual(checkVocabularyCompatibility(info(base), info(base)), { compatible: true, sharedTokens: 6 });
    });

    it("accepts a target padded with extra tokens at the end (Qwen 7B vs 0.5B)", () => {
        const result = checkVocabularyCompatibility(info([...base, ...Array.from({ length: 128 }, (_, i) => `<pad${i}>`)]), info(base));
        assert.equal(result.compatible, true);
    });

    it("rejects a token whose text differs, naming it", () => {
        const result = checkVocabularyCompatibility(info(base), info(["<s>", "</s>", "a", "X", "c", "d"]));
        assert.equal(result.compatible, false);
        assert.match((result as { reason: string }).reason, /token 3 differs/);
    });

    it("rejects very different sizes, other tokenizers and other special tokens", () => {
        assert.equal(checkVocabularyCompatibility(info(base), info([...base, ...Array.from({ length: 500 }, String)])).compatible, false);
        assert.equal(checkVocabularyCompatibility(info(base), info(base, {}, "llama")).compatible, false);
        const special = checkVocabularyCompatibility(info(base), info(base, { eos_token_id: 5 }));
        assert.equal(special.compatible, false);
        assert.match((special as { reason: string }).reason, /eos_token_id/);
    });
});
