// What the completion pipeline needs from whatever computes completions: the local engine (through
// its host process), the engine in-process (the bench), or a llama.cpp server. Text in, text out;
// the backend owns tokenisation and the prompt layout.
import type { RequestStats, StopReason } from "../common/CompletionTypes";

export interface BackendRequest {
    /** Text before the cursor, the middle head included. */
    readonly prefix: string;
    /** Characters at the end of `prefix` that go after the FIM middle token (see PromptParts.middleChars). */
    readonly middleChars?: number;
    readonly suffix: string;
    /** Snippets of other files, formatted; "" for none. */
    readonly extraContext?: string;
    readonly maxTokens: number;
    /** Stop once the completion holds this many line breaks. */
    readonly maxLines?: number;
    readonly temperature?: number;
    readonly seed?: number;
    /** Only bring the prompt into the backend's cache; generate nothing. */
    readonly prefillOnly?: boolean;
}

export interface BackendResult {
    readonly text: string;
    readonly stopReason: StopReason;
    readonly speculative: boolean;
    readonly stats: RequestStats;
    /** When the engine host got the request, sent its first text and answered (epoch ms); from a backend in another process. */
    readonly hostTimes?: HostTimes;
}

/** The engine host's side of one request, in epoch ms (src/completion/epochClock). */
export interface HostTimes {
    readonly receivedAt: number;
    /** The first streamed text was sent (absent when nothing was streamed). */
    readonly firstTextSentAt?: number;
    readonly answeredAt: number;
}

/** Never an exception: every way a request can end is an outcome. An abort is a result with stopReason "aborted". */
export type BackendOutcome =
    | { readonly kind: "result"; readonly result: BackendResult }
    /** The backend went away during the request (process died, connection dropped); it recovers by itself. */
    | { readonly kind: "crashed" }
    | { readonly kind: "error"; readonly error: { readonly code?: string; readonly message: string } };

export interface CompletionBackend {
    /**
     * Completes `request`. With `onText`, the text arrives in pieces as it is generated, all of them
     * before the returned promise resolves. Aborting `signal` ends the request at its next step.
     */
    complete(request: BackendRequest, signal: AbortSignal, onText?: (delta: string) => void): Promise<BackendOutcome>;
}
