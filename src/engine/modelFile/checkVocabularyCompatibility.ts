import type { GgufFileInfo } from "../llamaTypes";
import { flattenGgufSection } from "./validateModelFile";

export type VocabularyCompatibility =
    | { readonly compatible: true; readonly sharedTokens: number }
    | { readonly compatible: false; readonly reason: string };

/**
 * Real pairs can differ in size only by padding at the end (Qwen2.5-Coder 0.5B has 151 936 tokens,
 * 7B has 152 064), so a small size difference is allowed as long as every shared id means the same
 * text; llama.cpp's own speculative server uses the same bound.
 */
const maxVocabularySizeDifference = 128;

/**
 * Speculation compares token ids, so it is only correct when both models give every id the same
 * text and agree on the special tokens. Compare texts, never just counts.
 */
export function checkVocabularyCompatibility(target: GgufFileInfo, draft: GgufFileInfo): VocabularyCompatibility {
    const t = tokenizerOf(target);
    const d = tokenizerOf(draft);
    if (t.model !== d.model)
        return { compatible: false, reason: `the tokenizers differ (target "${t.model}", draft "${d.model}")` };
    const difference = Math.abs(t.tokens.length - d.tokens.length);
    if (difference > maxVocabularySizeDifference)
        return {
            compatible: false,
            reason: `the vocabularies differ in size (target ${t.tokens.length} tokens, draft ${d.tokens.length})`
        };
    const shared = Math.min(t.tokens.length, d.tokens.length);
    for (let id = 0; id < shared; id++)
        if (t.tokens[id] !== d.tokens[id])
            return {
                compatible: false,
                reason: `token ${id} differs (target ${JSON.stringify(t.tokens[id])}, draft ${JSON.stringify(d.tokens[id])})`
            };
    for (const key of ["bos_token_id", "eos_token_id", "fim_pre_token_id", "fim_suf_token_id", "fim_mid_token_id"] as const)
        if (t.special[key] != null && d.special[key] != null && t.special[key] !== d.special[key])
            return { compatible: false, reason: `the special token "${key}" differs (target ${t.special[key]}, draft ${d.special[key]})` };
    return { compatible: true, sharedTokens: shared };
}

function tokenizerOf(info: GgufFileInfo) {
    const section = flattenGgufSection((info.metadata as unknown as Record<string, unknown>).tokenizer);
    const tokens = section["ggml.tokens"];
    const special: Record<string, number | undefined> = {};
    for (const key of ["bos_token_id", "eos_token_id", "fim_pre_token_id", "fim_suf_token_id", "fim_mid_token_id"]) {
        const value = section[`ggml.${key}`];
        special[key] = typeof value === "number" ? value : undefined;
    }
    return {
        model: String(section["ggml.model"] ?? ""),
        tokens: Array.isArray(tokens) ? (tokens as unknown[]).map(String) : [],
        special
    };
}
