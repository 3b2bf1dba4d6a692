/** What a caller asks the engine for. Text in, text out: tokenisation stays inside the engine. */
export interface CompletionRequest {
    /** Text before the cursor. */
    readonly prefix: string;
    /**
     * How many characters at the end of `prefix` go after the FIM middle token (PSM models), so that
     * typing there re-processes only those tokens; see `PromptParts.middleChars`. Defaults to 0.
     */
    readonly middleChars?: number;
    /** Text after the cursor; empty for plain left-to-right completion. */
    readonly suffix?: string;
    /**
     * Extra context (snippets of other files). Placed before the prefix, inside the FIM prefix section,
     * so that it forms a stable prompt head and the KV cache stays reusable across keystrokes.
     */
    readonly extraContext?: string;
    /**
     * The whole prompt as text, special tokens (`<|file_sep|>`) read as such: replaces the layout of
     * prefix, suffix and extra context (which are then ignored). For next-edit requests; it must fit
     * the context with `maxTokens` to spare, or the request fails.
     */
    readonly rawPrompt?: string;
    /**
     * Text the output is expected to mostly copy (a next-edit request's current window): with
     * speculation on, it is proposed wherever the output is aligned with it (see CopyDrafter), the
     * engine's drafter elsewhere. Changes nothing in the output.
     */
    readonly copyFrom?: string;
    /** Defaults to 128. */
    readonly maxTokens?: number;
    /** Stop once the completion holds this many line breaks. Defaults to no limit. */
    readonly maxLines?: number;
    /** 0 (default) is greedy decoding; above 0 uses speculative sampling with rejection. */
    readonly temperature?: number;
    /** Seed for sampling; only used when temperature > 0. Defaults to 0. */
    readonly seed?: number;
    /** Defaults to the engine's setting. `false` decodes with the target alone. */
    readonly speculative?: boolean;
    /** Use FIM tokens (prefix/suffix/middle). Defaults to true when the model has them. */
    readonly fim?: boolean;
    /**
     * Only bring the prompt into the KV cache and generate nothing: a warm-up, so that the first real
     * request at this spot (same settings) processes just what changed since. Not counted in the
     * cumulative statistics.
     */
    readonly prefillOnly?: boolean;
    /**
     * Receives the completion as it grows: after each decoding round, the text committed since the
     * previous call (never half a UTF-8 character). The streamed text may run up to one token past
     * the final `text`, which stops before the line break that exceeds `maxLines`.
     */
    readonly onText?: (delta: string) => void;
    readonly signal?: AbortSignal;
}

export type StopReason = "eos" | "maxTokens" | "maxLines" | "aborted" | "contextFull";

export interface RequestStats {
    /** Tokens proposed by the draft model and sent to the target for verification. */
    draftedTokens: number;
    /** Drafted tokens the target agreed with. */
    acceptedTokens: number;
    /** `controlledEvaluate` calls on the target, prefill excluded. */
    targetEvals: number;
    /** Tokens the completion holds. Equals acceptedTokens + tokens supplied by the target itself. */
    generatedTokens: number;
    /** accepted ÷ drafted; 0 when nothing was drafted. */
    acceptanceRate: number;
    /** generated ÷ targetEvals; 1 for plain decoding. */
    tokensPerTargetEval: number;
    /** Prompt tokens after tokenisation. */
    promptTokens: number;
    /** Prompt tokens found already in the target's KV cache and not evaluated again. */
    reusedPromptTokens: number;
    promptMs: number;
    draftMs: number;
    targetMs: number;
    totalMs: number;
    /**
     * Rounds in which speculation was on but nothing was drafted, because no proposal promised to be
     * faster than the target alone (or the payoff ledger had found that drafting does not pay here).
     */
    declinedRounds?: number;
}

export interface CompletionResult {
    readonly text: string;
    readonly tokens: number[];
    readonly stopReason: StopReason;
    readonly speculative: boolean;
    readonly stats: RequestStats;
}

export interface CumulativeStats {
    requests: number;
    draftedTokens: number;
    acceptedTokens: number;
    targetEvals: number;
    generatedTokens: number;
    acceptanceRate: number;
    tokensPerTargetEval: number;
    draftMs: number;
    targetMs: number;
    totalMs: number;
}

/** The counters that every statistics shape (per request, cumulative, per benchmark variant) sums. */
export type DecodingCounts = Pick<RequestStats, "draftedTokens" | "acceptedTokens" | "targetEvals" | "draftMs" | "targetMs">;

export function addDecodingCounts(into: DecodingCounts, from: Readonly<DecodingCounts>): void {
    into.draftedTokens += from.draftedTokens;
    into.acceptedTokens += from.acceptedTokens;
    into.targetEvals += from.targetEvals;
    into.draftMs += from.draftMs;
    into.targetMs += from.targetMs;
}
