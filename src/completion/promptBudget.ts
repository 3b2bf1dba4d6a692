// How much of the document goes into a prompt. No `vscode` import.
import { tokensToChars } from "./buildPromptWindow";

/** The most characters the document's text before and after the cursor, and the extra context, may each put in a prompt. */
export interface PromptBudget {
    readonly prefixChars: number;
    readonly suffixChars: number;
    readonly extraChars: number;
}

/**
 * Shares the prompt budget (context size minus room for the answer) between the prefix, the suffix
 * and the extra context, in characters. The caps keep prompt processing, which dominates latency,
 * bounded on big contexts; the engine trims to the exact token budget anyway.
 */
export function promptBudget(contextSize: number, maxTokens: number): PromptBudget {
    const available = Math.max(256, contextSize - maxTokens - 16);
    return {
        prefixChars: tokensToChars(Math.min(Math.floor(available * 0.6), 2048)),
        suffixChars: tokensToChars(Math.min(Math.floor(available * 0.15), 512)),
        extraChars: tokensToChars(Math.min(Math.floor(available * 0.25), 1024))
    };
}

/**
 * The context to plan prompts for: the configured one, or the backend's when it has less (a model
 * trained on a shorter context, a server's slot). Defaults to the configured one while unknown.
 */
export function usableContextSize(configured: number, backend: number | undefined): number {
    return backend != null && Number.isFinite(backend) && backend > 0 ? Math.min(configured, backend) : configured;
}
