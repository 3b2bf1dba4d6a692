// The typing replay: a scripted user writes a real file's next lines in real time through the very
// completion pipeline the extension uses (src/completion/CompletionPipeline), against the engine
// in-process. It presses Tab when the shown suggestion matches what it is about to write (the
// whole suggestion, else its longest matching prefix of whole words, as Ctrl+Right would), and
// types on otherwise. What a user feels is measured: last keystroke → suggestion shown, and Tab →
// next suggestion shown.
import type { CompletionBackend } from "../completion/CompletionBackend";
import { CompletionPipeline, type GenerationDetails, type LatencySplit, type PipelineOutcome, type SuggestionSource } from "../completion/CompletionPipeline";
import { Debouncer } from "../completion/Debouncer";
import { stringDocument } from "../completion/DocumentView";
import { PromptPlanner } from "../completion/PromptPlanner";
import { percentile } from "../completion/percentile";
import { SeededRandom } from "../engine/SeededRandom";
import type { SpeculativeEngine } from "../engine/SpeculativeEngine";

/** One keystroke of a scripted session: the character typed and the wait before it, in ms. */
export interface Keystroke {
    readonly char: string;
    readonly gapMs: number;
}

export interface TypingScriptOptions {
    readonly seed?: number;
    /** Typical gap between keys within a word, ms (jittered ±40 %). Defaults to 130. */
    readonly charMs?: number;
    /** The pause where a user stops to read a suggestion, ms. Defaults to 2000. */
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
    const pauseMs = options.pauseMs ?? 2000;
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

/**
 * The part of `suggestion` a user who is about to write `next` accepts: all of it when `next`
 * starts with it, else its longest prefix that ends at a word boundary and that `next` starts with
 * ("" when not even one word matches).
 */
export function acceptablePart(suggestion: string, next: string): string {
    if (suggestion === "" || next.startsWith(suggestion))
        return suggestion;
    let common = 0;
    while (common < suggestion.length && common < next.length && suggestion[common] === next[common])
        common++;
    // A word boundary: the accepted part ends a word (the next suggestion character does not continue it).
    for (let end = common; end > 0; end--) {
        const last = suggestion[end - 1]!;
        const following = suggestion[end];
        if (following == null || !isWordChar(following) || !isWordChar(last))
            return /\S/.test(suggestion.slice(0, end)) ? suggestion.slice(0, end) : "";
    }
    return "";
}

function isWordChar(char: string): boolean {
    return /[\p{L}\p{N}_$]/u.test(char);
}

/** The engine in-process as the pipeline's backend; `speculative: false` decodes with the target alone. */
export function engineBackend(engine: SpeculativeEngine, speculative: boolean): CompletionBackend {
    return {
        async complete(request, signal, onText) {
            try {
                const result = await engine.complete({ ...request, speculative, signal, ...(onText != null ? { onText } : {}) });
                return { kind: "result", result };
            } catch (error) {
                return { kind: "error", error: { message: error instanceof Error ? error.message : String(error) } };
            }
        }
    };
}

interface Shown {
    readonly text: string;
    readonly at: number;
    readonly version: number;
    readonly outcome: Extract<PipelineOutcome, { kind: "suggestion" }>;
}

/**
 * The editor as VS Code drives the provider: every edit cancels the request in flight and asks
 * again (an "automatic" trigger); a better suggestion at the cursor is asked for again ("explicit").
 */
class SimulatedEditor {
    public text: string;
    public offset: number;
    private version = 0;
    private current: AbortController | undefined;
    public shown: Shown | undefined;
    /** The last request for the current text ended without a suggestion (not cut short: the model had nothing). */
    public nothingToShow = false;
    private waiters: Array<() => void> = [];
    public readonly pipeline: CompletionPipeline;
    private readonly uri = "file:///replay/typed.js";

    public constructor(document: string, offset: number, backend: CompletionBackend, settings: ReplaySettings) {
        this.text = document;
        this.offset = offset;
        this.pipeline = new CompletionPipeline({
            backend,
            settings: () => ({
                maxTokens: settings.maxTokens, maxLines: settings.maxLines, temperature: 0, contextSize: settings.contextSize,
                latencyBudgetMs: settings.latencyBudgetMs, prefetch: settings.prefetch, logPrompts: false
            }),
            debouncer: Debouncer.forSetting(settings.debounceMs),
            ...(settings.maxMiddleChars != null ? { planner: new PromptPlanner({ maxMiddleChars: settings.maxMiddleChars }) } : {}),
            events: {
                onImproved: (uri, offset) => {
                    if (uri === this.uri && offset === this.offset)
                        this.request("explicit");
                }
            }
        });
    }

    /** Types or accepts `text` at the cursor (replacing `overwrite` characters after it), which fires a new request. */
    public insert(text: string, keystroke: boolean, overwrite = 0): void {
        this.text = this.text.slice(0, this.offset) + text + this.text.slice(this.offset + overwrite);
        this.offset += text.length;
        this.version++;
        this.shown = undefined;
        this.nothingToShow = false;
        if (keystroke)
            this.pipeline.recordKeystroke();
        this.request("automatic");
    }

    /** Resolves with the suggestion shown for the current text, or undefined when none shows within `timeoutMs`. */
    public async waitForShown(timeoutMs: number): Promise<Shown | undefined> {
        const deadline = performance.now() + timeoutMs;
        while (this.shown == null || this.shown.version !== this.version) {
            const left = deadline - performance.now();
            if (left <= 0)
                return undefined;
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, left);
                this.waiters.push(() => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
        return this.shown;
    }

    /** What the extension does when a file comes to the front or the cursor jumps: bring the prompt here into the cache. */
    public async warmUp(): Promise<void> {
        await this.pipeline.warmUp({ document: stringDocument(this.uri, this.text), offset: this.offset, trigger: "explicit" }, new AbortController().signal);
    }

    public async dispose(): Promise<void> {
        this.current?.abort();
        this.pipeline.abortAll();
        await this.pipeline.whenIdle();
    }

    private request(trigger: "automatic" | "explicit"): void {
        this.current?.abort();
        const abort = new AbortController();
        this.current = abort;
        const version = this.version;
        void this.pipeline.provide({ document: stringDocument(this.uri, this.text), offset: this.offset, trigger, languageId: "javascript" }, abort.signal).then((outcome) => {
            if (version !== this.version || abort.signal.aborted)
                return;
            if (outcome.kind === "empty" && this.shown?.version !== version)
                this.nothingToShow = true;
            if (outcome.kind !== "suggestion")
                return;
            // A re-asked place keeps the time the first suggestion showed there.
            if (this.shown == null || this.shown.version !== version)
                this.shown = { text: outcome.text, at: performance.now(), version, outcome };
            else
                this.shown = { ...this.shown, text: outcome.text, outcome };
            const waiters = this.waiters;
            this.waiters = [];
            for (const resolve of waiters)
                resolve();
        });
    }
}

export interface ReplaySettings {
    readonly maxTokens: number;
    readonly maxLines: number;
    readonly contextSize: number;
    readonly debounceMs: number;
    readonly latencyBudgetMs: number;
    readonly prefetch: boolean;
    /** The longest a user waits for a suggestion at a pause, ms. Defaults to 2000. */
    readonly pauseMs?: number;
    /** How long a user reads a matching suggestion before pressing Tab, ms. Defaults to 400. */
    readonly readMs?: number;
    /** The prompt planner's longest middle head; 0 lays prompts out the classic way (no text after the FIM middle token). Defaults to the product's. */
    readonly maxMiddleChars?: number;
}

/** A key the user waited on (the last before a pause). */
export interface WaitedKey {
    /**
     * Keystroke → suggestion shown, ms. Infinity when none showed within the pause although the
     * model was still working on one; NaN when the model had nothing to show there (cleaned away,
     * no output), which is not a wait and is left out of the percentiles.
     */
    readonly latencyMs: number;
    /** The suggestion first shown. */
    readonly text?: string;
    readonly source?: SuggestionSource;
    readonly piece?: "block" | "lines" | "budget";
    readonly details?: GenerationDetails;
}

export interface TabPress {
    /** Tab → next suggestion shown, ms; Infinity when none showed within the pause, NaN when the model had nothing to show there. */
    readonly latencyMs: number;
    /** Where the next suggestion came from; "new" means it was not ready (no prefetch, cache or running generation). */
    readonly source?: SuggestionSource;
    readonly accepted: "whole" | "word";
    /** The text accepted with this Tab, and how the suggestion it came from was shown. */
    readonly acceptedText?: string;
    readonly acceptedPiece?: "block" | "lines" | "budget";
}

export interface ReplayRun {
    readonly typedChars: number;
    readonly acceptedChars: number;
    readonly keys: number;
    readonly waited: readonly WaitedKey[];
    readonly tabs: readonly TabPress[];
    readonly wallMs: number;
}

/**
 * One scripted user writing `realText` at `offset` of `document`, in real time. Keys come at the
 * script's gaps; at each pause the user waits (up to `pauseMs`) for a suggestion, accepts what of
 * it matches the text still to write, waits for the next suggestion after each Tab, and types on.
 */
export async function replayTyping(
    backend: CompletionBackend,
    input: { readonly document: string; readonly offset: number; readonly realText: string; readonly seed?: number },
    settings: ReplaySettings
): Promise<ReplayRun> {
    const started = performance.now();
    const pauseMs = settings.pauseMs ?? 2000;
    const readMs = settings.readMs ?? 400;
    const script = makeTypingScript(input.realText, { seed: input.seed ?? 1, pauseMs });
    const editor = new SimulatedEditor(input.document, input.offset, backend, settings);
    const waited: WaitedKey[] = [];
    const tabs: TabPress[] = [];
    let position = 0;
    let typed = 0;
    let accepted = 0;
    let afterWait = false;
    const pendingDetails: Array<Promise<void>> = [];
    try {
        // The extension warms the prompt when a file comes to the front; so does the replay.
        await editor.warmUp();
        while (position < input.realText.length) {
            const key = script[position]!;
            // A pause the user already spent waiting and accepting is not waited again.
            const gap = afterWait ? Math.min(key.gapMs, 150) : key.gapMs;
            afterWait = false;
            if (position > 0)
                await sleep(gap);
            const keyAt = performance.now();
            editor.insert(key.char, true);
            position++;
            typed++;
            const next = script[position];
            if (next != null && next.gapMs < pauseMs)
                continue;
            afterWait = true;
            let shown = await editor.waitForShown(pauseMs);
            // The generation's details come when it ends; the user does not wait for them.
            const entry: WaitedKey = shown != null
                ? { latencyMs: shown.at - keyAt, text: shown.outcome.text, source: shown.outcome.source, piece: shown.outcome.piece }
                : { latencyMs: editor.nothingToShow ? NaN : Infinity };
            waited.push(entry);
            if (shown?.outcome.details != null) {
                const index = waited.length - 1;
                pendingDetails.push(shown.outcome.details.then((details) => {
                    if (details != null)
                        waited[index] = { ...entry, details };
                }));
            }
            while (shown != null) {
                await sleep(readMs);
                // Reading takes a moment; the suggestion may have grown meanwhile.
                const current = editor.shown?.version === shown.version ? editor.shown : shown;
                const part = acceptablePart(current.text, input.realText.slice(position));
                if (part === "")
                    break;
                const tabAt = performance.now();
                // A whole accept replaces the closers the suggestion re-types (as the item's range does in VS Code).
                editor.insert(part, false, part === current.text ? current.outcome.overwriteChars : 0);
                position += part.length;
                accepted += part.length;
                shown = position < input.realText.length ? await editor.waitForShown(pauseMs) : undefined;
                tabs.push({
                    latencyMs: shown != null ? shown.at - tabAt : editor.nothingToShow ? NaN : Infinity,
                    ...(shown != null ? { source: shown.outcome.source } : {}),
                    accepted: part === current.text ? "whole" : "word"
                });
            }
        }
    } finally {
        await editor.dispose();
    }
    await Promise.all(pendingDetails);
    return { typedChars: typed, acceptedChars: accepted, keys: script.length, waited, tabs, wallMs: performance.now() - started };
}

/** Tab-Tab-Tab: at each start, wait for a suggestion, then accept whatever shows `presses` times, timing each next suggestion. */
export async function replayTabChain(
    backend: CompletionBackend,
    input: { readonly document: string; readonly starts: readonly number[]; readonly presses: number },
    settings: ReplaySettings
): Promise<TabPress[]> {
    const pauseMs = settings.pauseMs ?? 2000;
    const readMs = settings.readMs ?? 400;
    const tabs: TabPress[] = [];
    for (const start of input.starts) {
        const editor = new SimulatedEditor(input.document, start, backend, settings);
        try {
            // Arrive at the spot as a user would: move there (the extension warms the prompt after a
            // cursor jump), then type its last character.
            const last = input.document[start - 1] ?? "\n";
            editor.text = input.document.slice(0, start - 1) + input.document.slice(start);
            editor.offset = start - 1;
            await editor.warmUp();
            editor.insert(last, true);
            let shown = await editor.waitForShown(pauseMs * 2);
            for (let press = 0; press < input.presses && shown != null; press++) {
                await sleep(readMs);
                const current = editor.shown?.version === shown.version ? editor.shown : shown;
                const tabAt = performance.now();
                editor.insert(current.text, false, current.outcome.overwriteChars);
                shown = await editor.waitForShown(pauseMs);
                tabs.push({
                    latencyMs: shown != null ? shown.at - tabAt : editor.nothingToShow ? NaN : Infinity, ...(shown != null ? { source: shown.outcome.source } : {}),
                    accepted: "whole", acceptedText: current.text, acceptedPiece: current.outcome.piece
                });
            }
        } finally {
            await editor.dispose();
        }
    }
    return tabs;
}

export interface LatencySummary {
    readonly count: number;
    readonly p50Ms: number | undefined;
    readonly p95Ms: number | undefined;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
    return { count: values.length, p50Ms: percentile(values, 50), p95Ms: percentile(values, 95) };
}

export interface ReplaySummary {
    /** Over the waited keys where the model had something to show (a timeout counts as ∞). */
    readonly keystrokeToSuggestion: LatencySummary;
    /** Waited keys that got a suggestion within the pause. */
    readonly served: number;
    /** Waited keys where the model had nothing to show. */
    readonly nothing: number;
    /** Over the accepts after which the model had something to show (a timeout counts as ∞). */
    readonly tabToNext: LatencySummary;
    /** Of those, the accepts whose next suggestion needed no new generation (prefetched, cached, or already running). */
    readonly readyAfterAccept: number;
    /** Accepts after which the model had nothing to show. */
    readonly nothingAfterAccept: number;
    /** Median of each phase over the waited keys served by a new generation. */
    readonly medianSplit?: LatencySplit;
    /** Complete lines shown before their block was done (a new generation's first piece), and how many were exactly the block's first lines. */
    readonly firstLines: { readonly shown: number; readonly exact: number };
    readonly bySource: Readonly<Record<string, number>>;
}

/** Tab → next over the presses after which the model had something to show; how many found it ready; how many had nothing. */
export function summarizeTabs(tabs: readonly TabPress[]): { readonly tabToNext: LatencySummary; readonly readyAfterAccept: number; readonly nothingAfterAccept: number } {
    const something = tabs.filter((tab) => !Number.isNaN(tab.latencyMs));
    return {
        tabToNext: summarizeLatencies(something.map((tab) => tab.latencyMs)),
        readyAfterAccept: something.filter((tab) => tab.source != null && tab.source !== "new").length,
        nothingAfterAccept: tabs.length - something.length
    };
}

export function summarizeReplay(waited: readonly WaitedKey[], tabs: readonly TabPress[]): ReplaySummary {
    const splits = waited.flatMap((key) => (key.details != null ? [key.details.split] : []));
    const median = (pick: (split: LatencySplit) => number) => percentile(splits.map(pick), 50) ?? 0;
    const firstLines = waited.filter((key) => key.piece === "lines" && key.details != null);
    const bySource: Record<string, number> = {};
    for (const key of waited) {
        const source = key.source ?? (Number.isNaN(key.latencyMs) ? "nothing" : "timeout");
        bySource[source] = (bySource[source] ?? 0) + 1;
    }
    return {
        keystrokeToSuggestion: summarizeLatencies(waited.map((key) => key.latencyMs).filter((ms) => !Number.isNaN(ms))),
        served: waited.filter((key) => Number.isFinite(key.latencyMs)).length,
        nothing: waited.filter((key) => Number.isNaN(key.latencyMs)).length,
        ...summarizeTabs(tabs),
        ...(splits.length > 0 ? {
            medianSplit: {
                debounceMs: median((split) => split.debounceMs), queueMs: median((split) => split.queueMs),
                promptMs: median((split) => split.promptMs), decodeMs: median((split) => split.decodeMs),
                newPromptTokens: median((split) => split.newPromptTokens), promptTokens: median((split) => split.promptTokens)
            }
        } : {}),
        firstLines: {
            shown: firstLines.length,
            exact: firstLines.filter((key) => isFirstLineOf(key.text ?? "", key.details!.fullText)).length
        },
        bySource
    };
}

/** Whether `shown` is exactly the first line(s) of `fullText` (the whole suggestion at that place): a prefix ending at a line break. */
export function isFirstLineOf(shown: string, fullText: string): boolean {
    return shown !== "" && fullText.startsWith(shown) && (fullText.length === shown.length || /^\r?\n/.test(fullText.slice(shown.length)));
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
