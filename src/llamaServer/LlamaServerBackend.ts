// A llama.cpp server (`llama-server`) behind the completion pipeline's CompletionBackend. No
// `vscode` import.
//
// Prompts are built exactly as the local engine builds them (src/engine/buildPrompt.ts, same FIM
// layout, same extra-context position, same trimming), tokenized by the server with special tokens
// left as text, and sent to /completion as token ids: so greedy text from a server running the same
// target is the local engine's text, token for token, and typing re-processes only the prompt's
// tail in the server's cache. The FIM tokens and their order (--spm-infill) are read once per
// connection from a probe of /infill.
//
// Health: connecting → ready, or one of the bad states, each with a message. Requests are only made
// while ready; a failed request moves to the state it shows and the backend probes again, waiting
// 1, 2, 4 … up to 15 s between tries, until the server answers properly; while ready, /health is
// polled so that a server that went away shows before the next keystroke.
import type { BackendOutcome, BackendRequest, CompletionBackend } from "../completion/CompletionBackend";
import type { StopReason } from "../common/CompletionTypes";
import { buildPrompt, type PromptParts, type PromptTokenizer } from "../engine/buildPrompt";
import { generationBudget } from "../engine/generationBudget";
import type { Token } from "../engine/llamaTypes";
import { asServerFailure, expectOk, failureForStatus, LlamaServerHttp, serverEndpoint, ServerFailure } from "./LlamaServerHttp";
import {
    completionBody, completionByteCeiling, findBos, findFimTokens, infillProbeBody, parseInfillProbe, parseProps, parseSlotsSpeculative,
    parseStreamEvent, parseTokenIds, parseTokenPieces, statsFromTimings, stopReasonOf, type ServerModel, type ServerTimings
} from "./llamaServerProtocol";
import { redactSecrets } from "./redactSecrets";
import { checkServerUrl, type ServerUrlSource } from "./serverUrl";

export type ServerHealth =
    | { readonly kind: "connecting" }
    | { readonly kind: "ready"; readonly model: ServerModel }
    /** specula.serverUrl is not usable; nothing is tried until it changes. */
    | { readonly kind: "misconfigured"; readonly message: string }
    /** Refused, unreachable, or the connection dropped (the server stopped or crashed). */
    | { readonly kind: "offline"; readonly message: string }
    /** 401/403: the API key is missing or wrong. */
    | { readonly kind: "unauthorized"; readonly message: string }
    /** No answer within the timeout. */
    | { readonly kind: "slow"; readonly message: string }
    /** 503: the server is loading its model. */
    | { readonly kind: "loading"; readonly message: string }
    /** Other 4xx/5xx answers, or answers that are not what llama-server sends. */
    | { readonly kind: "failing"; readonly message: string }
    /** The server's model cannot fill in the middle. */
    | { readonly kind: "noFim"; readonly message: string };

export type ServerHealthKind = ServerHealth["kind"];

export interface LlamaServerBackendOptions {
    /** specula.serverUrl as set. */
    readonly url: string;
    readonly urlSource: ServerUrlSource;
    readonly apiKey?: string;
    /** A request fails as "slow" when the server sends nothing for this long. */
    readonly timeoutMs: number;
    /** Waits between reconnection attempts: `firstMs`, doubling up to `maxMs`. Defaults to 1 s and 15 s. */
    readonly retry?: { readonly firstMs: number; readonly maxMs: number };
    /** /health poll while ready. Defaults to 20 s. */
    readonly healthIntervalMs?: number;
    /**
     * Longest a request may take in all, however steadily the server trickles bytes (the timeout
     * above only ends silence): `baseMs` for any request, the health probe's included, and
     * `perTokenMs` more for each token a completion asks for. Defaults to 2 × timeoutMs and 1 s.
     */
    readonly deadline?: { readonly baseMs: number; readonly perTokenMs: number };
}

/** Room left in the server's context for its own drafts, beyond the prompt and the answer. */
const serverDraftReserve = 16;

export class LlamaServerBackend implements CompletionBackend {
    /** host:port (or the setting as typed when it is not a URL). */
    public readonly display: string;
    private current: ServerHealth = { kind: "connecting" };
    private readonly listeners = new Set<(health: ServerHealth) => void>();
    private readonly lifetime = new AbortController();
    private readonly http: LlamaServerHttp | undefined;
    private readonly retry: { readonly firstMs: number; readonly maxMs: number };
    private readonly healthIntervalMs: number;
    private readonly deadline: { readonly baseMs: number; readonly perTokenMs: number };
    private readonly apiKey: string | undefined;
    private failures = 0;
    private wake: () => void = () => undefined;
    /** http to another machine: said once in the log by the caller. */
    public readonly cleartext: boolean;

    public constructor(options: LlamaServerBackendOptions) {
        this.retry = options.retry ?? { firstMs: 1000, maxMs: 15_000 };
        this.healthIntervalMs = options.healthIntervalMs ?? 20_000;
        this.deadline = options.deadline ?? { baseMs: 2 * options.timeoutMs, perTokenMs: 1000 };
        this.apiKey = options.apiKey;
        const check = checkServerUrl(options.url, options.urlSource);
        if (!check.ok) {
            this.display = options.url.trim();
            this.cleartext = false;
            this.current = { kind: "misconfigured", message: check.problem };
            return;
        }
        this.display = check.display;
        this.cleartext = check.cleartext;
        this.http = new LlamaServerHttp(serverEndpoint(check, options, this.deadline.baseMs));
        void this.monitor();
    }

    public get health(): ServerHealth {
        return this.current;
    }

    /** Subscribes to health changes; returns the unsubscribe function. */
    public onDidChangeHealth(listener: (health: ServerHealth) => void): { dispose(): void } {
        this.listeners.add(listener);
        return { dispose: () => this.listeners.delete(listener) };
    }

    /** Connects again at once (the restart command). */
    public reconnect(): void {
        if (this.http == null || this.lifetime.signal.aborted)
            return;
        this.failures = 0;
        this.setHealth({ kind: "connecting" });
        this.wake();
    }

    public dispose(): void {
        this.lifetime.abort();
        this.listeners.clear();
    }

    public async complete(request: BackendRequest, signal: AbortSignal, onText?: (delta: string) => void): Promise<BackendOutcome> {
        const health = this.current;
        if (health.kind !== "ready" || this.http == null)
            return { kind: "error", error: { code: "SERVER_NOT_READY", message: `llama-server at ${this.display} is not ready (${health.kind})` } };
        const { model } = health;
        const http = this.http;
        const started = performance.now();
        let promptTokens = 0;
        let text = "";
        let timings: ServerTimings | undefined;
        let stopReason: StopReason | undefined;
        const result = (reason: StopReason): BackendOutcome => {
            const generated = request.prefillOnly === true ? 0 : timings?.predictedN ?? 0;
            const stats = statsFromTimings(timings, generated, promptTokens, performance.now() - started);
            return {
                kind: "result",
                // n_predict 0 still samples one token on this llama-server; a warm-up shows nothing.
                result: { text: request.prefillOnly === true ? "" : reason === "aborted" ? text : cutAtLine(text, request.maxLines), stopReason: reason, speculative: model.speculative === true || stats.draftedTokens > 0, stats }
            };
        };
        try {
            const prompt = await this.promptFor(request, model, signal);
            promptTokens = prompt.tokens.length;
            const maxLines = request.maxLines != null && request.maxLines > 0 ? request.maxLines : Infinity;
            let lines = 0;
            await http.stream("completion", completionBody({
                tokens: prompt.tokens,
                maxTokens: prompt.maxTokens,
                temperature: request.temperature ?? 0,
                seed: request.seed ?? 0,
                prefillOnly: request.prefillOnly === true
            }), signal, {
                maxBytes: completionByteCeiling(prompt.tokens.length, prompt.maxTokens),
                deadlineMs: this.deadline.baseMs + prompt.maxTokens * this.deadline.perTokenMs
            }, (raw) => {
                const event = parseStreamEvent(raw);
                if (event.timings != null)
                    timings = event.timings;
                if (event.model != null && model.id != null && event.model !== model.id)
                    throw new ModelChanged();
                if (event.content.includes("\u0000"))
                    throw new ServerFailure("malformed", "the server's model wrote NUL characters (broken weights?)");
                if (event.content !== "" && request.prefillOnly !== true) {
                    text += event.content;
                    onText?.(event.content);
                    lines += countLineBreaks(event.content);
                    if (lines >= maxLines) {
                        // Closing the stream stops the server's generation; the figures so far came with this event.
                        stopReason = "maxLines";
                        return false;
                    }
                }
                if (event.stop) {
                    stopReason = stopReasonOf(event.stopType);
                    return false;
                }
                return true;
            });
            if (signal.aborted)
                return result("aborted");
            if (stopReason == null)
                throw new ServerFailure("disconnected", `${this.display} closed the answer before its end (it stopped or crashed)`);
            this.failures = 0;
            return result(stopReason);
        } catch (error) {
            if (signal.aborted)
                return result("aborted");
            if (error instanceof ModelChanged) {
                // Its FIM tokens may differ: this answer is not trusted, and the connection starts over.
                this.reconnect();
                return { kind: "crashed" };
            }
            if (!(error instanceof ServerFailure))
                return { kind: "error", error: { message: error instanceof Error ? error.message : String(error) } };
            this.fail(error);
            // The health state says what happened (and is logged once); the request just ends.
            return { kind: "crashed" };
        }
    }

    /** The exact prompt tokens a request is sent as (for tests and diagnostics); undefined unless ready. */
    public async promptTokens(request: BackendRequest, signal: AbortSignal): Promise<number[] | undefined> {
        const health = this.current;
        return health.kind === "ready" ? (await this.promptFor(request, health.model, signal)).tokens : undefined;
    }

    /** The prompt's token ids, as the local engine would build them for this model. */
    private async promptFor(request: BackendRequest, model: ServerModel, signal: AbortSignal): Promise<{ tokens: number[]; maxTokens: number }> {
        const budget = generationBudget(model.contextSize, serverDraftReserve, request.maxTokens);
        const parts: PromptParts = {
            prefix: request.prefix,
            suffix: request.suffix,
            ...(request.middleChars != null ? { middleChars: request.middleChars } : {}),
            extraContext: request.extraContext ?? "",
            fim: true
        };
        const tokenizer = (tokenize: (text: string) => number[]): PromptTokenizer => ({
            tokenize: (text) => tokenize(text) as Token[],
            bos: model.bos as Token | null,
            shouldPrependBos: model.bos != null,
            fim: { prefix: model.fim.prefix as Token, suffix: model.fim.suffix as Token, middle: model.fim.middle as Token, layout: model.fim.layout }
        });
        // buildPrompt tokenizes its pieces before any budget decision; a first pass with no tokens
        // lists exactly the texts it asks for, so the split into pieces stays in one place.
        const texts: string[] = [];
        buildPrompt(tokenizer((text) => {
            texts.push(text);
            return [];
        }), parts, budget.promptTokens);
        const tokenized = await this.tokenizeTexts(texts, model, signal);
        const built = buildPrompt(tokenizer((text) => tokenized.get(text) ?? []), parts, budget.promptTokens);
        return { tokens: built.tokens as number[], maxTokens: budget.maxTokens };
    }

    /**
     * Tokenizes every text in one /tokenize call with special tokens as plain text (code that
     * contains "<|endoftext|>" stays text, as in the local engine): the texts are joined by the FIM
     * middle token, which text tokenized that way never yields.
     */
    private async tokenizeTexts(texts: readonly string[], model: ServerModel, signal: AbortSignal): Promise<Map<string, number[]>> {
        const unique = [...new Set(texts)].filter((text) => text !== "");
        const result = new Map<string, number[]>([["", []]]);
        if (unique.length === 0)
            return result;
        const separator = model.fim.middle;
        const content: (string | number)[] = [];
        unique.forEach((text, index) => content.push(...(index > 0 ? [separator] : []), text));
        const ids = parseTokenIds(expectOk(await this.http!.json("tokenize", { content, add_special: false, parse_special: false, with_pieces: false }, signal), "tokenize"));
        const pieces: number[][] = [[]];
        for (const id of ids)
            if (id === separator)
                pieces.push([]);
            else
                pieces[pieces.length - 1]!.push(id);
        if (pieces.length !== unique.length)
            throw new ServerFailure("malformed", `/tokenize returned ${pieces.length} pieces for ${unique.length} texts`);
        unique.forEach((text, index) => result.set(text, pieces[index]!));
        return result;
    }

    private async monitor(): Promise<void> {
        const signal = this.lifetime.signal;
        while (!signal.aborted)
            if (this.current.kind === "ready") {
                await this.sleep(this.healthIntervalMs, signal);
                if (signal.aborted || this.current.kind !== "ready")
                    continue;
                const problem = await this.checkAlive(signal);
                if (problem != null && !signal.aborted && this.current.kind === "ready")
                    this.fail(problem);
            } else {
                if (this.failures > 0)
                    await this.sleep(Math.min(this.retry.maxMs, this.retry.firstMs * 2 ** (this.failures - 1)), signal);
                if (signal.aborted)
                    return;
                const health = await this.probe(signal);
                if (signal.aborted)
                    return;
                this.failures = health.kind === "ready" ? 0 : this.failures + 1;
                this.setHealth(health);
            }
    }

    /** GET /health while ready: the failure when the server is gone or not ready. */
    private async checkAlive(signal: AbortSignal): Promise<ServerFailure | undefined> {
        try {
            const answer = await this.http!.json("health", undefined, signal);
            return answer.status === 200 ? undefined : failureForStatus(answer.status, answer.body, "/health");
        } catch (error) {
            return signal.aborted ? undefined : asServerFailure(error, this.display);
        }
    }

    /** Connects: health, model and context, FIM tokens and their order, BOS, speculation. */
    private async probe(signal: AbortSignal): Promise<ServerHealth> {
        const http = this.http!;
        try {
            expectOk(await http.json("health", undefined, signal), "health");
            const props = parseProps(expectOk(await http.json("props", undefined, signal), "props"));
            const prompt = parseInfillProbe(expectOk(await http.json("infill", infillProbeBody(), signal), "infill"));
            const pieces = parseTokenPieces(expectOk(await http.json("tokenize", { content: prompt, parse_special: true, with_pieces: true }, signal), "tokenize"));
            const fim = findFimTokens(pieces);
            const withSpecial = parseTokenIds(expectOk(await http.json("tokenize", { content: "1", add_special: true, parse_special: false }, signal), "tokenize"));
            const plain = parseTokenIds(expectOk(await http.json("tokenize", { content: "1", add_special: false, parse_special: false }, signal), "tokenize"));
            // /slots may be turned off (--no-slots); speculation then shows from the first answer's figures.
            let speculative: boolean | undefined;
            try {
                const slots = await http.json("slots", undefined, signal);
                speculative = slots.status === 200 ? parseSlotsSpeculative(slots.body) : undefined;
            } catch (error) {
                if (signal.aborted)
                    throw error;
            }
            return {
                kind: "ready",
                model: {
                    ...props,
                    fim,
                    bos: findBos(withSpecial, plain),
                    ...(speculative != null ? { speculative } : {})
                }
            };
        } catch (error) {
            if (signal.aborted)
                return this.current;
            return healthFor(asServerFailure(error, this.display));
        }
    }

    private fail(failure: ServerFailure): void {
        this.failures = Math.max(1, this.failures);
        this.setHealth(healthFor(failure));
        this.wake();
    }

    private setHealth(next: ServerHealth): void {
        const health = this.withoutSecrets(next);
        if (this.lifetime.signal.aborted || sameHealth(this.current, health))
            return;
        this.current = health;
        for (const listener of [...this.listeners])
            listener(health);
    }

    /** Health as shown and logged: no server text in it carries the key or anything shaped like one. */
    private withoutSecrets(health: ServerHealth): ServerHealth {
        const redact = (text: string) => redactSecrets(text, this.apiKey);
        if (health.kind === "ready")
            return { kind: "ready", model: { ...health.model, name: redact(health.model.name), ...(health.model.build != null ? { build: redact(health.model.build) } : {}) } };
        return "message" in health ? { ...health, message: redact(health.message) } : health;
    }

    /** Waits `ms`, or less when woken (a request failed, reconnect) or disposed. */
    private sleep(ms: number, signal: AbortSignal): Promise<void> {
        return new Promise((resolve) => {
            const done = () => {
                clearTimeout(timer);
                signal.removeEventListener("abort", done);
                this.wake = () => undefined;
                resolve();
            };
            const timer = setTimeout(done, ms);
            signal.addEventListener("abort", done, { once: true });
            this.wake = done;
        });
    }
}

/** The server answered for another model than the one probed (it was restarted with a new one). */
class ModelChanged extends Error {}

/** The health state a failure puts the server in. */
export function healthFor(failure: ServerFailure): Exclude<ServerHealth, { kind: "connecting" | "ready" | "misconfigured" }> {
    switch (failure.kind) {
        case "refused":
        case "unreachable":
        case "disconnected":
            return { kind: "offline", message: failure.message };
        case "timeout":
            return { kind: "slow", message: failure.message };
        case "unauthorized":
            return { kind: "unauthorized", message: failure.message };
        case "loading":
            return { kind: "loading", message: failure.message };
        case "noFim":
            return { kind: "noFim", message: failure.message };
        case "http":
        case "malformed":
            return { kind: "failing", message: failure.message };
    }
}

function sameHealth(a: ServerHealth, b: ServerHealth): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

function countLineBreaks(text: string): number {
    let count = 0;
    for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1))
        count++;
    return count;
}

/** The text before the line break that would exceed `maxLines` (the local engine's cut). */
function cutAtLine(text: string, maxLines: number | undefined): string {
    if (maxLines == null || maxLines <= 0)
        return text;
    let index = -1;
    for (let line = 0; line < maxLines; line++) {
        index = text.indexOf("\n", index + 1);
        if (index < 0)
            return text;
    }
    return text.slice(0, index);
}
