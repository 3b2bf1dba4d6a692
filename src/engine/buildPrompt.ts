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
    /** Text before the cursor (all of it, the middle head included). */
    readonly prefix: string;
    readonly suffix: string;
    /**
     * How many characters at the end of `prefix` go after the FIM middle token instead of before the
     * suffix (llama-server's `/infill` calls this text `prompt`). PSM layout only; 0 is the classic
     * layout. Typing at the cursor then changes only the tail of the prompt, so everything before it
     * — extra context, prefix, suffix — stays in the KV cache. Defaults to 0.
     */
    readonly middleChars?: number;
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

    const split = fim && tokenizer.fim!.layout === "psm" ? middleSplit(parts.prefix, parts.middleChars) : parts.prefix.length;
    let prefixTokens = tokenizer.tokenize(parts.prefix.slice(0, split));
    let middleTokens = split < parts.prefix.length ? tokenizer.tokenize(parts.prefix.slice(split)) : [];
    let suffixTokens = fim ? tokenizer.tokenize(parts.suffix) : [];
    let extraTokens = parts.extraContext === "" ? [] : tokenizer.tokenize(parts.extraContext);

    const suffixBudget = Math.min(suffixTokens.length, Math.floor(budget * maxSuffixShare));
    const trimmedSuffix = suffixTokens.length - suffixBudget;
    suffixTokens = suffixTokens.slice(0, suffixBudget);

    // The middle head is the text nearest the cursor: it is kept whole unless it alone is over budget.
    let trimmedPrefix = 0;
    const middleBudget = budget - suffixTokens.length;
    if (middleTokens.length > middleBudget) {
        trimmedPrefix = prefixTokens.length + middleTokens.length - middleBudget;
        middleTokens = middleTokens.slice(middleTokens.length - middleBudget);
        prefixTokens = [];
    }
    const prefixBudget = budget - suffixTokens.length - middleTokens.length;
    if (prefixTokens.length > prefixBudget) {
        const excess = prefixTokens.length - prefixBudget;
        let cut = Math.min(prefixTokens.length, Math.ceil(excess / prefixCutGranularity) * prefixCutGranularity);
        if (prefixTokens.length - cut < Math.min(prefixBudget, prefixTokens.length) / 2)
            cut = excess;
        prefixTokens = prefixTokens.slice(cut);
        trimmedPrefix += cut;
    }

    const extraBudget = budget - suffixTokens.length - prefixTokens.length - middleTokens.length;
    let trimmedExtra = 0;
    if (extraTokens.length > extraBudget) {
        // Partial extra context would shift with every edit to it; all or nothing keeps the head stable.
        trimmedExtra = extraTokens.length;
        extraTokens = [];
    }

    let tokens: Token[];
    if (fimTokens == null)
        tokens = [...head, ...extraTokens, ...prefixTokens, ...middleTokens];
    else if (fimTokens.layout === "spm")
        tokens = [...head, fimTokens.prefix, ...extraTokens, fimTokens.suffix, ...suffixTokens, fimTokens.middle, ...prefixTokens, ...middleTokens];
    else
        tokens = [...head, fimTokens.prefix, ...extraTokens, ...prefixTokens, fimTokens.suffix, ...suffixTokens, fimTokens.middle, ...middleTokens];
    return { tokens, fim, trimmed: { prefix: trimmedPrefix, suffix: trimmedSuffix, extraContext: trimmedExtra } };
}

/** Where the middle head starts in `prefix`: `middleChars` from its end, never inside a surrogate pair. */
function middleSplit(prefix: string, middleChars: number | undefined): number {
    const chars = middleChars != null && Number.isFinite(middleChars) ? Math.floor(middleChars) : 0;
    if (chars <= 0)
        return prefix.length;
    let split = Math.max(0, prefix.length - chars);
    const code = prefix.charCodeAt(split);
    if (split > 0 && code >= 0xdc00 && code <= 0xdfff)
        split--;
    return split;
}
