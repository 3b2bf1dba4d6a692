import { SpeculaError } from "./SpeculaError";

/**
 * The prompt keeps at least this share of the context. A completion is worth little without the
 * code before the cursor, and `maxTokens` close to the context size would otherwise shrink the
 * prompt to a few tokens without a word (issue 13: `--max-tokens 4085` on a 4096 context left 5).
 */
export const minPromptShare = 0.5;

/**
 * Most tokens one request may generate: the context, less the share kept for the prompt, less
 * room for one round of drafts and the pending token (the engine budgets the prompt as
 * context − maxTokens − draftMax − 2, so the two never overflow the context).
 */
export function maxTokensFor(contextSize: number, draftMax: number): number {
    return Math.max(1, Math.floor(contextSize * (1 - minPromptShare)) - draftMax - 2);
}

export interface GenerationBudget {
    /** The request's maxTokens, capped by {@link maxTokensFor}. */
    readonly maxTokens: number;
    /** Tokens the prompt may take: contextSize − maxTokens − draftMax − 2 (at least half the context). */
    readonly promptTokens: number;
    /** Whether the request asked for more than the context allows. */
    readonly capped: boolean;
}

/**
 * Validates a request's token budget and caps it so that the prompt keeps at least half the
 * context. The engine caps instead of refusing because the extension's own settings can ask for
 * more (`specula.maxTokens` 1024 with `specula.contextSize` 512): a shorter completion beats
 * none. The CLI refuses such a `--max-tokens` up front with the limit, since there the user typed
 * the number.
 */
export function generationBudget(contextSize: number, draftMax: number, requestedMaxTokens: number): GenerationBudget {
    if (typeof requestedMaxTokens !== "number" || !Number.isFinite(requestedMaxTokens) || requestedMaxTokens < 0)
        throw new SpeculaError("BAD_ARGUMENT", `maxTokens must be a number ≥ 0, not ${String(requestedMaxTokens)}.`);
    if (!Number.isInteger(draftMax) || draftMax < 0 || draftMax > contextSize / 4)
        throw new SpeculaError("BAD_ARGUMENT", `draftMax must be a whole number from 0 to ${Math.floor(contextSize / 4)}, not ${String(draftMax)}.`);
    const limit = maxTokensFor(contextSize, draftMax);
    const requested = Math.floor(requestedMaxTokens);
    const maxTokens = Math.min(requested, limit);
    return { maxTokens, promptTokens: contextSize - maxTokens - draftMax - 2, capped: requested > limit };
}
