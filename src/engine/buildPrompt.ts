import type { Token } from "./llamaTypes";

/** The parts of a model's tokenizer the prompt builder needs; a plain object in unit tests. */
export interface PromptTokenizer {
    tokenize(text: string): Token[];
    readonly bos: Token | null;
    readonly shouldPrependBos: boolean;
    /** FIM tokens and their order, or null when the model has none. */
    readonly fim: { readonly prefix: Token; readonly suffix: Token; readonly middle: Token; readonly layout: FimLayout } | null;
}

/**
 * "psm": `<PRE>prefix<SUF>suffix<MID>` (Qwen, StarCoder, DeepSeek). "spm": `<PRE><SUF>suffix<MID>prefix`,
 * for models trained to see the prefix last (llama.cpp's --spm-infill).
 */
export type FimLayout = "psm" | "spm";

export interface PromptParts {
    readonly prefix: string;
    readonly suffix: string;
    readonly extraContext: string;
    /** Use FIM layout when the tokenizer has FIM tokens. */
    readonly fim: boolean;
}

export interface BuiltPrompt {
    readonly tokens: Token[];
    /** Tokens dropped from the left of the prefix / the right of the suffix / extra context to fit the budget. */
    readonly trimmed: { readonly prefix: number; readonly suffix: number; readonly extraContext: number };
    readonly fim: boolean;
}

/**
 * Trimming the prefix from the left moves the prompt head on every keystroke and throws the KV cache
 * away; cutting only at multiples of this many tokens keeps the head still for that many keystrokes.
 */
const prefixCutGranularity = 256;

/** The suffix may take at most this share of the budget: text before the cursor matters more. */
const maxSuffixShare = 0.25;

/**
 * Lays out `[BOS] <PRE> extraContext prefix <SUF> suffix <MID>` (or the SPM order, or
 * `[BOS] extraContext prefix` without FIM) within `maxTokens`. Extra context goes first because it
 * changes least often, so consecutive requests share the longest possible token prefix.
 */
export function buildPrompt(tokenizer: PromptTokenizer, parts: PromptParts, maxTokens: number): BuiltPrompt {
    const fim = parts.fim && tokenizer.fim != null;
    const head: Token[] = [];
    if (tokenizer.shouldPrependBos && tokenizer.bos != null)
        head.push(tokenizer.bos);
    const fimTokens = fim ? tokenizer.fim! : null;
    const fixed = head.length + (fimTokens != null ? 3 : 0);
    const budget = Math.max(1, maxTokens - fixed);

    let prefixTokens = tokenizer.tokenize(parts.prefix);
    let suffixTokens = fim ? tokenizer.tokenize(parts.suffix) : [];
    let extraTokens = parts.extraContext === "" ? [] : tokenizer.tokenize(parts.extraContext);

    const suffixBudget = Math.min(suffixTokens.length, Math.floor(budget * maxSuffixShare));
    const trimmedSuffix = suffixTokens.length - suffixBudget;
    suffixTokens = suffixTokens.slice(0, suffixBudget);

    const prefixBudget = budget - suffixTokens.length;
    let trimmedPrefix = 0;
    if (prefixTokens.length > prefixBudget) {
        const excess = prefixTokens.length - prefixBudget;
        trimmedPrefix = Math.min(prefixTokens.length, Math.ceil(excess / prefixCutGranularity) * prefixCutGranularity);
        if (prefixTokens.length - trimmedPrefix < Math.min(prefixBudget, prefixTokens.length) / 2)
            trimmedPrefix = excess;
        prefixTokens = prefixTokens.slice(trimmedPrefix);
    }

    const extraBudget = budget - suffixTokens.length - prefixTokens.length;
    let trimmedExtra = 0;
    if (extraTokens.length > extraBudget) {
        // Partial extra context would shift with every edit to it; all or nothing keeps the head stable.
        trimmedExtra = extraTokens.length;
        extraTokens = [];
    }

    let tokens: Token[];
    if (fimTokens == null)
        tokens = [...head, ...extraTokens, ...prefixTokens];
    else if (fimTokens.layout === "spm")
        tokens = [...head, fimTokens.prefix, ...extraTokens, fimTokens.suffix, ...suffixTokens, fimTokens.middle, ...prefixTokens];
    else
        tokens = [...head, fimTokens.prefix, ...extraTokens, ...prefixTokens, fimTokens.suffix, ...suffixTokens, fimTokens.middle];
    return { tokens, fim, trimmed: { prefix: trimmedPrefix, suffix: trimmedSuffix, extraContext: trimmedExtra } };
}
