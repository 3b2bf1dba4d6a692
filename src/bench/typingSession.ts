import { buildPromptWindow, type PromptWindow } from "../completion/buildPromptWindow";
import { cleanCompletion } from "../completion/cleanCompletion";
import { CompletionCache } from "../completion/CompletionCache";
import { Debouncer } from "../completion/Debouncer";
import { SeededRandom } from "../engine/speculativeSampling";
import type { SpeculativeEngine } from "../engine/SpeculativeEngine";
import { promptBudget } from "../completion/promptBudget";
import { percentile } from "../completion/percentile";

/** One keystroke of a scripted session: the character typed and the wait before it, in ms. */
export interface Keystroke {
    readonly char: string;
    readonly gapMs: number;
}

export interface TypingScriptOptions {
    readonly seed?: number;
    /** Typical gap between keys within a word, ms (jittered ±40 %). Defaults to 130. */
    readonly charMs?: number;
    /** The pause where a user stops to read a suggestion, ms. Defaults to 4000. */
    readonly pauseMs?: number;
    /** Chance of such a pause after a word (line ends always pause). Defaults to 0.15. */
    readonly wordPauseChance?: number;
}

/**
 * A deterministic typing script for `text`: quick keys within words, a little slower after spaces
 * and punctuation, a long pause at every line end and after some words (the moments a user waits
 * for a suggestion). The pause goes before the next key, so it belongs to the key before it.
 */
export function makeTypingScript(text: string, options: TypingScriptOptions = {}): Keystroke[] {
    const random = new SeededRandom(options.seed ?? 1);
    const charMs = options.charMs ?? 130;
    const pauseMs = options.pauseMs ?? 4000;
    const wordPause = options.wordPauseChance ?? 0.15;
    const keys: Keystroke[] = [];
    let previous = "";
    for (const char of text) {
        let gap = charMs * (0.6 + 0.8 * random.next());
        if (previous === "\n")
            gap = pauseMs;
        else if (previous === " " || /[.,;(){}]/.test(previous))
            gap = random.next() < wordPause ? pauseMs : gap * 1.5;
        keys.push({ char, gapMs: keys.length === 0 ? 0 : Math.round(gap) });
        previous = char;
    }
    return keys;
}

/** Splits a script into segments that each end before a pause (so a segment's last key is one a user waits on). */
export function segmentsAtPauses(script: readonly Keystroke[], pauseMs: number): Keystroke[][] {
    const segments: Keystroke[][] = [];
    let current: Keystroke[] = [];
    for (const key of script) {
        if (key.gapMs >= pauseMs && current.length > 0) {
            segments.push(current);
            current = [];
        }
        current.push(key);
    }
    if (current.length > 0)
        segments.push(current);
    return segments;
}

export interface KeystrokeOutcome {
    /** Keystroke → completion (or cache hit) in ms; Infinity when the next key came first. */
    readonly latencyMs: number;
    /** The key is followed by a pause (or ends the session): the user waits on its suggestion. */
    readonly waited: boolean;
    readonly kind: "model" | "cache" | "canceled";
    /** Where a model-served key's latency went. */
    readonly parts?: LatencyParts;
}

/** One served key's latency split into its phases, in ms (they add up to the latency, give or take the cleaning). */
export interface LatencyParts {
    /** Keystroke → request sent: the debounce (and the cache lookup). */
    readonly debounceMs: number;
    /** Request sent → engine starts on it: waiting for the previous, aborted request to stop. */
    readonly queueMs: number;
    /** Prompt processing: tokens not already in the KV cache. */
    readonly promptMs: number;
    readonly decodeMs: number;
    readonly newPromptTokens: number;
    readonly generatedTokens: number;
    readonly tokensPerTargetEval: number;
}

export interface TypingSessionSummary {
    readonly keystrokes: number;
    readonly waited: number;
    readonly servedWaited: number;
    readonly p50Ms: number | undefined;
    readonly p95Ms: number | undefined;
    readonly requestsStarted: number;
    readonly requestsAborted: number;
    readonly cacheHits: number;
    /** Medians of each phase over the waited-on keys the model served; undefined when there are none. */
    readonly medianParts?: LatencyParts;
}

export function summarizeTyping(outcomes: readonly KeystrokeOutcome[], requestsStarted: number, requestsAborted: number): TypingSessionSummary {
    const waited = outcomes.filter((outcome) => outcome.waited);
    const latencies = waited.map((outcome) => outcome.latencyMs);
    const served = waited.flatMap((outcome) => outcome.parts != null ? [outcome.parts] : []);
    const median = (pick: (parts: LatencyParts) => number) => percentile(served.map(pick), 50) ?? 0;
    const medianParts: LatencyParts | undefined = served.length === 0 ? undefined : {
        debounceMs: median((parts) => parts.debounceMs),
        queueMs: median((parts) => parts.queueMs),
        promptMs: median((parts) => parts.promptMs),
        decodeMs: median((parts) => parts.decodeMs),
        newPromptTokens: median((parts) => parts.newPromptTokens),
        generatedTokens: median((parts) => parts.generatedTokens),
        tokensPerTargetEval: median((parts) => parts.tokensPerTargetEval)
    };
    return {
        keystrokes: outcomes.length,
        waited: waited.length,
        servedWaited: waited.filter((outcome) => Number.isFinite(outcome.latencyMs)).length,
        p50Ms: percentile(latencies, 50),
        p95Ms: percentile(latencies, 95),
        requestsStarted,
        requestsAborted,
        cacheHits: outcomes.filter((outcome) => outcome.kind === "cache").length,
        ...(medianParts != null ? { medianParts } : {})
    };
}

/**
 * Replays `keys` typed at `offset` into `document` in real time, the way the extension's provider
 * calls the engine: every key aborts the request in flight (AbortSignal), answers from the
 * typing-through cache if it can, otherwise waits the adaptive debounce, cuts the prompt window with
 * buildPromptWindow/promptBudget, asks the engine and cleans the output. Returns one outcome per key
 * and the document after the segment.
 */
export async function replaySegment(
    engine: SpeculativeEngine,
    state: { document: string; offset: number },
    keys: readonly Keystroke[],
    settings: { speculative: boolean; maxTokens: number; maxLines: number; contextSize: number; debouncer: Debouncer; cache: CompletionCache },
    counters: { started: number; aborted: number }
): Promise<KeystrokeOutcome[]> {
    let { document, offset } = state;
    const outcomes: Array<{ latencyMs: number; waited: boolean; kind: KeystrokeOutcome["kind"]; parts?: LatencyParts }> = [];
    const pending: Array<Promise<void>> = [];
    let inFlight: AbortController | undefined;
    const budget = promptBudget(settings.contextSize, settings.maxTokens);
    for (const [index, key] of keys.entries()) {
        if (index > 0)
            await sleep(key.gapMs);
        document = document.slice(0, offset) + key.char + document.slice(offset);
        offset += key.char.length;
        const typedAt = performance.now();
        settings.debouncer.recordKeystroke(typedAt);
        inFlight?.abort();
        const abort = new AbortController();
        inFlight = abort;
        const outcome: (typeof outcomes)[number] = { latencyMs: Infinity, waited: index === keys.length - 1, kind: "canceled" };
        outcomes.push(outcome);
        const text = document;
        const at = offset;
        pending.push((async () => {
            const window = windowAt(text, at, budget);
            const lineStart = text.lastIndexOf("\n", at - 1) + 1;
            const lineEndIndex = text.indexOf("\n", at);
            const lineEnd = lineEndIndex < 0 ? text.length : lineEndIndex;
            const linePrefix = text.slice(lineStart, at);
            const lineSuffix = text.slice(at, lineEnd);
            const cacheKey = { uri: "file:///typing.js", offset: at, prefix: window.prefix, lineSuffix };
            if (settings.cache.get(cacheKey) != null) {
                outcome.latencyMs = performance.now() - typedAt;
                outcome.kind = "cache";
                return;
            }
            if (!(await settings.debouncer.wait(abort.signal)))
                return;
            const midLine = /\S/.test(lineSuffix);
            counters.started++;
            const sentAt = performance.now();
            const result = await engine.complete({
                prefix: window.prefix, suffix: window.suffix, maxTokens: settings.maxTokens,
                maxLines: midLine ? 1 : settings.maxLines, speculative: settings.speculative, signal: abort.signal
            });
            if (result.stopReason === "aborted" || abort.signal.aborted) {
                counters.aborted++;
                return;
            }
            const cleaned = cleanCompletion({
                raw: result.text, linePrefix, lineSuffix, nextLines: text.slice(lineEnd + 1).split("\n", 8), eol: "\n",
                maxLines: midLine ? 1 : settings.maxLines
            });
            const returnedAt = performance.now();
            outcome.latencyMs = returnedAt - typedAt;
            outcome.kind = "model";
            const { stats } = result;
            outcome.parts = {
                debounceMs: sentAt - typedAt,
                queueMs: Math.max(0, returnedAt - sentAt - stats.totalMs),
                promptMs: stats.promptMs,
                decodeMs: stats.totalMs - stats.promptMs,
                newPromptTokens: stats.promptTokens - stats.reusedPromptTokens,
                generatedTokens: stats.generatedTokens,
                tokensPerTargetEval: stats.tokensPerTargetEval
            };
            if (cleaned !== "")
                settings.cache.set(cacheKey, cleaned);
        })());
    }
    await Promise.all(pending);
    state.document = document;
    state.offset = offset;
    return outcomes;
}

/** The prompt window the extension's provider would cut at `offset` (no other files open). */
function windowAt(text: string, offset: number, budget: ReturnType<typeof promptBudget>): PromptWindow {
    return buildPromptWindow({
        text, offset, maxPrefixChars: budget.prefixChars, maxSuffixChars: budget.suffixChars, maxExtraContextChars: budget.extraChars
    });
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export interface TypingComparison {
    readonly typedChars: number;
    readonly segments: number;
    /** The un-timed first request that fills the KV cache, as opening the file and asking once would. */
    readonly coldStart: { readonly promptTokens: number; readonly promptMs: number };
    readonly speculative: TypingSessionSummary;
    readonly targetOnly: TypingSessionSummary;
    readonly wallMs: number;
}

/**
 * Types `typed` into `document` at `offset` twice, speculative and target alone, one segment (keys
 * up to a pause) at a time, alternating which mode goes first, each mode with its own debouncer and
 * cache as a separate editor session would have.
 */
export async function compareTyping(
    engine: SpeculativeEngine,
    input: { document: string; offset: number; typed: string; seed?: number },
    settings: { maxTokens: number; maxLines: number; contextSize: number; debounceMs: number; onSegment?: (index: number, count: number) => void }
): Promise<TypingComparison> {
    const started = performance.now();
    const pauseMs = 4000;
    const script = makeTypingScript(input.typed, { seed: input.seed ?? 1, pauseMs });
    const segments = segmentsAtPauses(script, pauseMs);
    const modes = [true, false].map((speculative) => ({
        speculative,
        debouncer: new Debouncer({ minMs: settings.debounceMs, maxMs: settings.debounceMs * 3 }),
        cache: new CompletionCache(),
        outcomes: [] as KeystrokeOutcome[],
        counters: { started: 0, aborted: 0 }
    }));
    let state = { document: input.document, offset: input.offset };
    // Both modes share one engine and its KV cache; without this the mode that happens to go first
    // would pay for processing the whole file, a cost that has nothing to do with speculation.
    const budget = promptBudget(settings.contextSize, settings.maxTokens);
    const first = windowAt(state.document, state.offset, budget);
    const warm = await engine.complete({ prefix: first.prefix, suffix: first.suffix, maxTokens: settings.maxTokens, speculative: false });
    const coldStart = { promptTokens: warm.stats.promptTokens - warm.stats.reusedPromptTokens, promptMs: warm.stats.promptMs };
    for (const [index, keys] of segments.entries()) {
        let next = state;
        for (const mode of index % 2 === 0 ? modes : [...modes].reverse()) {
            const copy = { ...state };
            const outcomes = await replaySegment(engine, copy, keys, { ...settings, ...mode }, mode.counters);
            mode.outcomes.push(...outcomes);
            next = copy;
        }
        state = next;
        settings.onSegment?.(index, segments.length);
    }
    const [speculative, targetOnly] = modes.map((mode) => summarizeTyping(mode.outcomes, mode.counters.started, mode.counters.aborted));
    return { typedChars: script.length, segments: segments.length, coldStart, speculative, targetOnly, wallMs: performance.now() - started };
}
