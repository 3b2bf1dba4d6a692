// What Specula sends to llama-server and reads back, as pure functions: the model description from
// /props and /slots, the FIM tokens found in a probe of /infill, the /completion request for a
// BackendRequest, its streamed events and the RequestStats they add up to; the bench's one-piece
// greedy /completion with token ids and its /health check. No `vscode` import.
import type { RequestStats, StopReason } from "../common/CompletionTypes";
import type { FimLayout } from "../engine/buildPrompt";
import { isRecord, ServerFailure, type JsonAnswer } from "./LlamaServerHttp";
import { redactSecrets } from "./redactSecrets";

export interface FimTokens {
    readonly prefix: number;
    readonly suffix: number;
    readonly middle: number;
    /** "spm" when the server was started with --spm-infill. */
    readonly layout: FimLayout;
}

/** What the server runs, as found when connecting. */
export interface ServerModel extends PropsInfo {
    /** Whether the server decodes speculatively (a draft model or n-gram drafting); undefined when it does not say. */
    readonly speculative?: boolean;
    readonly fim: FimTokens;
    /** The BOS token the model's prompts start with, or null when it adds none. */
    readonly bos: number | null;
}

/** The marker texts the probe puts in the prefix and the suffix; digits are a token of their own in every vocabulary Specula targets. */
export const probeMarkers = { prefix: "1", suffix: "2" } as const;

export interface PropsInfo {
    /** The model's alias, else its file name. */
    readonly name: string;
    /** The `model` the server names in its answers (its alias or path), to notice a model change. */
    readonly id?: string;
    /** Context of one slot, in tokens. */
    readonly contextSize: number;
    readonly slots: number;
    readonly build?: string;
}

export function parseProps(body: unknown): PropsInfo {
    if (!isRecord(body))
        throw new ServerFailure("malformed", "/props did not answer with a JSON object");
    const settings = body.default_generation_settings;
    const contextSize = isRecord(settings) ? settings.n_ctx : undefined;
    if (typeof contextSize !== "number" || !Number.isInteger(contextSize) || contextSize < 64)
        throw new ServerFailure("malformed", "/props has no usable default_generation_settings.n_ctx");
    const path = typeof body.model_path === "string" ? body.model_path : undefined;
    const alias = typeof body.model_alias === "string" && body.model_alias !== "" && body.model_alias !== path ? body.model_alias : undefined;
    const name = alias ?? (path != null ? path.split(/[\\/]/).pop() ?? path : "unnamed model");
    const slots = typeof body.total_slots === "number" && body.total_slots > 0 ? body.total_slots : 1;
    const id = typeof body.model_alias === "string" && body.model_alias !== "" ? body.model_alias : undefined;
    return { name, ...(id != null ? { id } : {}), contextSize, slots, ...(typeof body.build_info === "string" ? { build: body.build_info } : {}) };
}

/** Whether any slot decodes speculatively, from GET /slots (an array of slots with `speculative`). */
export function parseSlotsSpeculative(body: unknown): boolean | undefined {
    if (!Array.isArray(body))
        return undefined;
    const flags = body.map((slot) => (isRecord(slot) && typeof slot.speculative === "boolean" ? slot.speculative : undefined));
    if (flags.some((flag) => flag === true))
        return true;
    return flags.length > 0 && flags.every((flag) => flag === false) ? false : undefined;
}

/** The probe request: /infill with a one-character prefix and suffix, generating nothing. */
export function infillProbeBody(): Record<string, unknown> {
    return { input_prefix: probeMarkers.prefix, input_suffix: probeMarkers.suffix, n_predict: 0, cache_prompt: false, samplers: ["top_k"], top_k: 1 };
}

export function parseInfillProbe(body: unknown): string {
    if (!isRecord(body) || typeof body.prompt !== "string")
        throw new ServerFailure("malformed", "/infill did not return the prompt it built");
    return body.prompt;
}

export interface TokenPiece {
    readonly id: number;
    readonly piece: string;
}

export function parseTokenPieces(body: unknown): TokenPiece[] {
    const tokens = isRecord(body) ? body.tokens : undefined;
    if (!Array.isArray(tokens))
        throw new ServerFailure("malformed", "/tokenize did not return a token list");
    return tokens.map((token) => {
        if (!isRecord(token) || !isTokenId(token.id))
            throw new ServerFailure("malformed", "/tokenize returned a token without an id");
        const piece = typeof token.piece === "string" ? token.piece
            : Array.isArray(token.piece) ? Buffer.from(token.piece.filter((byte): byte is number => typeof byte === "number")).toString("latin1")
            : "";
        return { id: token.id, piece };
    });
}

export function parseTokenIds(body: unknown): number[] {
    const tokens = isRecord(body) ? body.tokens : undefined;
    if (!Array.isArray(tokens) || !tokens.every(isTokenId))
        throw new ServerFailure("malformed", "/tokenize did not return a list of token ids");
    return tokens;
}

/**
 * The FIM tokens of the server's model, read from the prompt its /infill built for the probe:
 * `… <PRE> 1 <SUF> 2 <MID>` (PSM) or `… <SUF> 2 <PRE> 1 <MID>` (--spm-infill), tokenized again
 * with special tokens parsed. Whatever comes before (BOS, repo-level headers) is ignored.
 */
export function findFimTokens(pieces: readonly TokenPiece[]): FimTokens {
    const isMarker = (piece: string, marker: string) => piece.replace(/^[\s\u2581]+/, "") === marker;
    const last = pieces.length - 1;
    const lastIndexOf = (marker: string) => {
        for (let i = last; i >= 0; i--)
            if (isMarker(pieces[i]!.piece, marker))
                return i;
        return -1;
    };
    const p = lastIndexOf(probeMarkers.prefix);
    const s = lastIndexOf(probeMarkers.suffix);
    const fail = () => new ServerFailure("malformed", "could not find the fill-in-the-middle tokens in the prompt the server's /infill built");
    if (p < 1 || s < 1)
        throw fail();
    let tokens: FimTokens;
    if (p < s && s === p + 2 && last === s + 1)
        tokens = { prefix: pieces[p - 1]!.id, suffix: pieces[s - 1]!.id, middle: pieces[last]!.id, layout: "psm" };
    else if (s < p && p === s + 2 && last === p + 1)
        tokens = { prefix: pieces[p - 1]!.id, suffix: pieces[s - 1]!.id, middle: pieces[last]!.id, layout: "spm" };
    else
        throw fail();
    if (new Set([tokens.prefix, tokens.suffix, tokens.middle, pieces[p]!.id, pieces[s]!.id]).size !== 5)
        throw fail();
    // A marker split into a space and the digit would pass the space off as a FIM token.
    if ([pieces[p - 1]!, pieces[s - 1]!, pieces[last]!].some((token) => !/[^\s\u2581]/.test(token.piece)))
        throw fail();
    return tokens;
}

/** BOS, when tokenizing with special tokens added puts one in front of the plain tokens. */
export function findBos(withSpecial: readonly number[], plain: readonly number[]): number | null {
    if (withSpecial.length > plain.length && withSpecial[0] !== plain[0])
        return withSpecial[0]!;
    return null;
}

/** Top-k of the local engine's sampling; sampling on the server keeps the same candidates. */
const samplingTopK = 40;

/** Greedy on the server: only the top-k sampler with k = 1, so penalties and temperature play no part. */
const greedySampling = { temperature: 0, samplers: ["top_k"], top_k: 1 } as const;

export interface CompletionParams {
    readonly tokens: readonly number[];
    readonly maxTokens: number;
    readonly temperature: number;
    readonly seed: number;
    readonly prefillOnly: boolean;
}

/**
 * The /completion request: the prompt as token ids (built like the local engine's), streamed, with
 * the server's prompt cache, greedy unless a temperature is set, and running timings on every event
 * so that the speculative figures are known even when Specula stops the stream at maxLines.
 */
export function completionBody(params: CompletionParams): Record<string, unknown> {
    const greedy = !(params.temperature > 0);
    return {
        prompt: params.tokens,
        n_predict: params.prefillOnly ? 0 : params.maxTokens,
        stream: true,
        cache_prompt: true,
        timings_per_token: true,
        ...(greedy
            ? greedySampling
            : { temperature: params.temperature, samplers: ["top_k", "temperature"], top_k: samplingTopK, top_p: 1, min_p: 0, seed: params.seed })
    };
}

/**
 * The most bytes a streamed /completion answer may take: far above what llama-server writes for
 * the tokens asked for, yet bounded, so a broken or hostile server that streams on cannot fill
 * memory. An event per generated token (its text, token ids and running timings: about 400 bytes
 * from llama-server) gets 8 KiB; the final event repeats the whole prompt as text and its
 * settings, so each prompt token gets 1 KiB, and the settings 256 KiB.
 */
export function completionByteCeiling(promptTokens: number, maxTokens: number): number {
    return 256 * 1024 + promptTokens * 1024 + (Math.max(1, maxTokens) + 1) * 8 * 1024;
}

export interface ServerTimings {
    readonly cacheN: number;
    readonly promptN: number;
    readonly promptMs: number;
    readonly predictedN: number;
    readonly predictedMs: number;
    /** Absent when the server drafted nothing (it omits the fields then). */
    readonly draftN?: number;
    readonly draftAccepted?: number;
}

export interface StreamEvent {
    readonly content: string;
    readonly stop: boolean;
    readonly stopType?: string;
    readonly model?: string;
    readonly timings?: ServerTimings;
}

/** One streamed /completion event; an `error` event throws the failure it reports. */
export function parseStreamEvent(event: unknown): StreamEvent {
    if (!isRecord(event))
        throw new ServerFailure("malformed", "/completion streamed an event that is not a JSON object");
    if (event.error != null) {
        const error = isRecord(event.error) ? event.error : {};
        const message = typeof error.message === "string" ? redactSecrets(error.message) : "unknown error";
        const code = typeof error.code === "number" ? error.code : undefined;
        throw new ServerFailure(code === 401 || code === 403 ? "unauthorized" : code === 503 ? "loading" : "http", `the server reported an error while answering: ${message}`, code);
    }
    if (typeof event.content !== "string" || typeof event.stop !== "boolean")
        throw new ServerFailure("malformed", "/completion streamed an event without content or stop");
    return {
        content: event.content,
        stop: event.stop,
        ...(typeof event.stop_type === "string" ? { stopType: event.stop_type } : {}),
        ...(typeof event.model === "string" ? { model: event.model } : {}),
        ...(isRecord(event.timings) ? { timings: parseTimings(event.timings) } : {})
    };
}

function parseTimings(timings: Record<string, unknown>): ServerTimings {
    const count = (key: string) => {
        const value = timings[key];
        return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
    };
    return {
        cacheN: count("cache_n"),
        promptN: count("prompt_n"),
        promptMs: count("prompt_ms"),
        predictedN: count("predicted_n"),
        predictedMs: count("predicted_ms"),
        ...(typeof timings.draft_n === "number" ? { draftN: count("draft_n"), draftAccepted: count("draft_n_accepted") } : {})
    };
}

/**
 * A /completion request answered in one piece with the generated token ids (`return_tokens`), for
 * exactly these prompt tokens (the server takes token ids as they are), greedy: what the bench
 * compares token for token with Specula's output.
 */
export function tokenCompletionBody(prompt: readonly number[], maxTokens: number): Record<string, unknown> {
    return {
        prompt: [...prompt],
        n_predict: maxTokens,
        ...greedySampling,
        cache_prompt: true,
        return_tokens: true,
        stream: false
    };
}

/** The answer to `tokenCompletionBody`. */
export interface TokenCompletion {
    /** As the server returns them: an end-of-generation token it stopped at is among them. */
    readonly tokens: number[];
    readonly stopType: string;
    readonly timings: ServerTimings;
}

/** Reads a `tokenCompletionBody` answer; missing tokens or timings are one clear error. */
export function parseTokenCompletion(body: unknown): TokenCompletion {
    if (!isRecord(body))
        throw new ServerFailure("malformed", "/completion answered with something that is not a JSON object");
    if (!Array.isArray(body.tokens) || !body.tokens.every(isTokenId))
        throw new ServerFailure("malformed", "/completion's answer has no \"tokens\" array (is return_tokens supported by this build?)");
    const timings = body.timings;
    if (!isRecord(timings))
        throw new ServerFailure("malformed", "/completion's answer has no \"timings\"");
    for (const key of ["prompt_n", "prompt_ms", "predicted_n", "predicted_ms"]) {
        const value = timings[key];
        if (typeof value !== "number" || !Number.isFinite(value))
            throw new ServerFailure("malformed", `/completion's timings have no number "${key}"`);
    }
    return { tokens: body.tokens, stopType: typeof body.stop_type === "string" ? body.stop_type : "unknown", timings: parseTimings(timings) };
}

/** GET /health once the model is loaded: a 2xx answer `{"status":"ok"}` (503 while it loads). */
export function healthReady(answer: JsonAnswer): boolean {
    return answer.status >= 200 && answer.status <= 299 && isRecord(answer.body) && answer.body.status === "ok";
}

/** llama-server's stop_type: "eos" (an end-of-generation token), "limit" (n_predict), "word" (a stop string). */
export function stopReasonOf(stopType: string | undefined): StopReason {
    return stopType === "eos" || stopType === "word" ? "eos" : "maxTokens";
}

/**
 * The server's figures as the RequestStats the status bar and statistics read. The server reports
 * drafted and accepted tokens but not its target passes; with speculative decoding each pass
 * yields the accepted drafts plus one token of the target's own, so passes = generated − accepted.
 */
export function statsFromTimings(timings: ServerTimings | undefined, generatedTokens: number, promptTokens: number, totalMs: number): RequestStats {
    const drafted = timings?.draftN ?? 0;
    const accepted = Math.min(timings?.draftAccepted ?? 0, drafted, generatedTokens);
    const targetEvals = Math.max(generatedTokens > 0 ? 1 : 0, generatedTokens - accepted);
    const reused = Math.min(timings?.cacheN ?? 0, promptTokens);
    return {
        draftedTokens: drafted,
        acceptedTokens: accepted,
        targetEvals,
        generatedTokens,
        acceptanceRate: drafted > 0 ? accepted / drafted : 0,
        tokensPerTargetEval: targetEvals > 0 ? generatedTokens / targetEvals : 0,
        promptTokens,
        reusedPromptTokens: reused,
        promptMs: timings?.promptMs ?? 0,
        draftMs: 0,
        targetMs: timings?.predictedMs ?? 0,
        totalMs
    };
}

function isTokenId(value: unknown): value is number {
    return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
