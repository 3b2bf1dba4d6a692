import { isHighSurrogate, isLowSurrogate } from "../textBoundaries";

/**
 * Special tokens that leak when a model's tokenizer config marks them as plain text or the model
 * writes them as text. `<|…|>` covers Qwen, StarCoder 2, CodeGemma and ChatML; `<｜…｜>` (full-width
 * bars) DeepSeek Coder; the rest StarCoder, Llama and CodeLlama. `<s>` is left out: it is an HTML tag.
 */
const SPECIAL_TOKEN =
    /<\|[A-Za-z0-9_]{1,40}\|>|<｜[^｜\n]{1,40}｜>|<fim[_-](?:prefix|suffix|middle|pad)>|<file_sep>|<\/s>|<EOT>/;
const FIXED_TOKENS = ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<fim-prefix>", "<fim-suffix>", "<fim-middle>", "<fim-pad>", "<file_sep>", "</s>", "<EOT>"];
/** Longest text a special token can be. */
export const maxSpecialTokenChars = 44;

/**
 * Removes leaked special tokens. Tokens at the very start are dropped (a model may echo
 * `<|fim_middle|>`); any later token marks where the model meant to stop, so the text ends there.
 */
export function stripSpecialTokens(raw: string): string {
    return splitAtSpecialToken(raw).text;
}

/** The text {@link stripSpecialTokens} keeps, and whether a token after its start ended it. */
export function splitAtSpecialToken(raw: string): { text: string; ended: boolean } {
    let text = raw;
    for (;;) {
        const match = SPECIAL_TOKEN.exec(text);
        if (match === null)
            return { text, ended: false };
        if (match.index !== 0)
            return { text: text.slice(0, match.index), ended: true };
        text = text.slice(match[0].length);
    }
}

/** Whether `fragment` is the start of a special token that more text could complete. */
export function couldStartSpecialToken(fragment: string): boolean {
    const piece = fragment.slice(0, maxSpecialTokenChars);
    return /^<(?:\|[A-Za-z0-9_]{0,40}\|?)?$/.test(piece) || /^<｜[^｜\n]{0,40}$/.test(piece) ||
        FIXED_TOKENS.some((token) => token.startsWith(piece));
}

/**
 * A generation cut at its token limit can end in half a character: a lone high surrogate or the
 * U+FFFD that an incomplete UTF-8 sequence decodes to. Neither is worth showing.
 */
export function dropBrokenEnds(text: string): string {
    let start = 0;
    let end = text.length;
    if (end > 0 && isLowSurrogate(text.charCodeAt(0)))
        start = 1;
    while (end > start && (isHighSurrogate(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === 0xfffd))
        end--;
    return text.slice(start, end);
}
