// The completion pipeline, free of VS Code: cache → live generations → debounce → backend (streamed)
// → clean → cache, plus a prefetch of the suggestion that follows an accept. The VS Code provider and
// the bench's typing replay are thin callers of this one class.
import type { RequestStats } from "../common/CompletionTypes";
import type { BackendRequest, CompletionBackend, HostTimes } from "./CompletionBackend";
import { CompletionCache, type CompletionCacheKey } from "./CompletionCache";
import type { ContextSnippet, EmptyReason } from "./SuggestionTypes";
import { Debouncer, delay } from "./Debouncer";
import { epochNow } from "./epochClock";
import { formatExtraContext } from "./formatExtraContext";
import { linesAfter, linesBefore, lineAround, snapshotAround, withInsertion, type DocumentView } from "./DocumentView";
import { Generation, type GenerationPurpose } from "./Generation";
import { PromptPlanner } from "./PromptPlanner";
import { promptBudget, type PromptBudget } from "./promptBudget";
import { partialPiece, pieceFor, type SuggestionContext } from "./SuggestionText";

/** Settings the pipeline reads on every request, so changes apply at once. */
export interface PipelineSettings {
    readonly maxTokens: number;
    readonly maxLines: number;
    readonly temperature: number;
    readonly contextSize: number;
    /**
     * Longest time from the last keystroke to a suggestion when one is on its way: by then the
     * complete lines are shown, or else the first line so far up to its last whole word. Decoding
     * goes on in the background while the suggestion can still be used, and the longer one is
     * offered when it is ready (onImproved).
     */
    readonly latencyBudgetMs: number;
    /** Compute the suggestion that follows an accept while the current one is shown. */
    readonly prefetch: boolean;
    readonly logPrompts: boolean;
}

export interface CompletionInput {
    readonly document: DocumentView;
    /** Cursor offset (UTF-16 code units). */
    readonly offset: number;
    /** "automatic" requests (typing) are debounced; "explicit" ones (a command, a re-trigger) are not. */
    readonly trigger: "automatic" | "explicit";
    /** Snippets of other files, oldest first. */
    readonly extraContext?: readonly ContextSnippet[];
    readonly indentUnit?: string;
    readonly tabSize?: number;
    /** The document's language id (cleaning knows its comments and strings). */
    readonly languageId?: string;
}

/** Where a shown suggestion came from. */
export type SuggestionSource =
    /** A finished suggestion, typed through or re-requested. */
    | "cache"
    /** A generation already running or finished for this place (typing along, an accepted first line). */
    | "live"
    /** The generation started in advance for the text after an accept. */
    | "prefetch"
    /** A new generation. */
    | "new";

/** Where the time of one request went, in ms: debounce + queue + prompt + decode = shown − provide() call. */
export interface LatencySplit {
    readonly debounceMs: number;
    /** Request sent → the backend started on it (waiting for an aborted request to stop, IPC). */
    readonly queueMs: number;
    readonly promptMs: number;
    /** Prompt processed → shown: decoding the shown piece. */
    readonly decodeMs: number;
    readonly newPromptTokens: number;
    readonly promptTokens: number;
}

/**
 * When each stage of a new generation happened, in epoch ms (src/completion/epochClock), to line up
 * with the page's and the engine host's timestamps: the request was sent to the backend (after the
 * debounce), its first text arrived, the piece was shown (provide() answered), the backend answered.
 */
export interface GenerationTimes {
    readonly generationId: number;
    readonly requestedAt: number;
    readonly firstTextAt?: number;
    readonly shownAt: number;
    readonly endedAt?: number;
    /** The engine host's own timestamps, when the backend runs in another process. */
    readonly host?: HostTimes;
    /** The engine's prompt processing and whole request, ms. */
    readonly enginePromptMs: number;
    readonly engineTotalMs: number;
}

export interface GenerationDetails {
    readonly split: LatencySplit;
    readonly times: GenerationTimes;
    /** The whole cleaned suggestion at the generation's place ("" when cleaning left nothing). */
    readonly fullText: string;
}

export type PipelineOutcome =
    | {
        readonly kind: "suggestion";
        readonly text: string;
        /** Characters right of the cursor the suggestion replaces (closers the editor auto-inserted, which the text contains). */
        readonly overwriteChars: number;
        readonly source: SuggestionSource;
        /**
         * "block": the whole suggestion (the generation ended); "lines": its complete lines so far (the
         * first line as soon as it is complete), shown while the rest is still being decoded; "budget":
         * the first line so far, cut at its last whole word because the latency budget ran out. The
         * last two are followed by a longer suggestion.
         */
        readonly piece: "block" | "lines" | "budget";
        /** Last keystroke (or the provide() call) → shown, ms. */
        readonly elapsedMs: number;
        /** For a new generation: where the time went, and the whole suggestion, known once it has ended. */
        readonly details?: Promise<GenerationDetails | undefined>;
    }
    | { readonly kind: "empty"; readonly reason: Exclude<EmptyReason, "skipped">; readonly elapsedMs: number }
    | { readonly kind: "canceled" }
    | { readonly kind: "error"; readonly message: string };

export interface PipelineEvents {
    /** A generation ended; the stats feed the status bar and statistics. */
    onGenerationDone?(stats: RequestStats, speculative: boolean, purpose: GenerationPurpose): void;
    /** A better suggestion than the one shown is ready at (uri, offset): ask again to show it. */
    onImproved?(uri: string, offset: number): void;
    onError?(message: string): void;
    log?(message: string): void;
}

export interface PipelineOptions {
    readonly backend: CompletionBackend;
    readonly settings: () => PipelineSettings;
    readonly debouncer?: Debouncer;
    readonly events?: PipelineEvents;
    readonly planner?: PromptPlanner;
    readonly now?: () => number;
}

/** Characters of the cursor line handed to cleaning and matching (a minified file is one huge line). */
const lineContextChars = 2000;
/** Lines after the cursor line that the cleaner compares a suggestion with. */
const nextLinesForCleaning = 8;
/** Lines before the cursor line the cleaner reads (brackets opened above, repeated lines). */
const previousLinesForCleaning = 20;
/** Characters before a generation's start that must match for it to serve a request. */
const placeKeyChars = 500;

interface LiveGeneration {
    readonly generation: Generation;
    /** Text before the start that identifies the place. */
    readonly before: string;
    /** The last place this generation's piece was shown, to re-offer a longer one. */
    shownAt?: { readonly offset: number; readonly length: number };
    /** The prefetch for the text after this generation's whole suggestion has been started. */
    prefetched?: boolean;
}

export class CompletionPipeline {
    private readonly backend: CompletionBackend;
    private readonly settings: () => PipelineSettings;
    private readonly events: PipelineEvents;
    private readonly planner: PromptPlanner;
    private readonly now: () => number;
    private debouncer: Debouncer;
    private readonly cache = new CompletionCache();
    private live: LiveGeneration[] = [];
    /** Every generation whose backend call has not answered yet, live or not. */
    private readonly inFlight = new Set<Generation>();
    private nextId = 1;
    private lastKeystrokeAt: number | undefined;
    /** Where the last partial line shown ends: a cursor there has accepted it. */
    private lastPartial: { readonly uri: string; readonly end: number } | undefined;

    public constructor(options: PipelineOptions) {
        this.backend = options.backend;
        this.settings = options.settings;
        this.events = options.events ?? {};
        this.planner = options.planner ?? new PromptPlanner();
        this.now = options.now ?? (() => performance.now());
        this.debouncer = options.debouncer ?? new Debouncer();
    }

    /** Replaces the debounce (its setting changed). */
    public setDebouncer(debouncer: Debouncer): void {
        this.debouncer = debouncer;
    }

    /** A keystroke in the active editor: teaches the debounce the typing speed, and dates the wait. */
    public recordKeystroke(at: number = this.now()): void {
        this.lastKeystrokeAt = at;
        this.debouncer.recordKeystroke(at);
    }

    /** Generations running or finished and still able to serve; for tests and the bench. */
    public get liveCount(): number {
        return this.live.length;
    }

    /**
     * Resolves once no backend call is in flight: generations, prefetches started meanwhile, and
     * aborted or settled generations whose decoding is still being stopped.
     */
    public async whenIdle(): Promise<void> {
        while (true) {
            if (this.inFlight.size === 0)
                return;
            await Promise.all([...this.inFlight].map((generation) => generation.finished));
            // Let the finish handlers (cache, prefetch start) run.
            await new Promise((resolve) => setImmediate(resolve));
        }
    }

    /** Whether a prefetch for `offset` in `uri` is running or done (the bench reports how often one was ready). */
    public hasPrefetchFor(uri: string, offset: number): boolean {
        return this.live.some((entry) => entry.generation.purpose === "prefetch" && entry.generation.document.uri === uri && entry.generation.offset === offset);
    }

    /**
     * The suggestion at the cursor. Never throws; `signal` is the editor's request (a keystroke
     * aborts it), while the generation it starts lives on as long as a later request can use it.
     */
    public async provide(input: CompletionInput, signal: AbortSignal): Promise<PipelineOutcome> {
        const started = this.now();
        const keystrokeAt = this.lastKeystrokeAt != null && this.lastKeystrokeAt <= started ? this.lastKeystrokeAt : started;
        const elapsed = () => this.now() - keystrokeAt;
        const place = this.placeOf(input);

        // A generation for this place (running, or done and not yet superseded) first: it knows
        // whether it was a prefetch, and it can still grow.
        let match = this.matchLive(input);
        const matched = match != null;
        while (match != null) {
            const { entry, typed } = match;
            const source: SuggestionSource = entry.generation.purpose === "prefetch" && typed === "" ? "prefetch" : "live";
            const served = await this.serve(entry, typed, source, signal, keystrokeAt, started);
            if (served !== "unusable")
                return served;
            // It went another way than the user typed (it had written nothing yet when it was
            // matched), or cleaning left nothing past the typed text. Its end may have started the
            // prefetch for this very place meanwhile; else a new generation comes.
            this.abortLive((other) => other === entry);
            // (Its finish handler, which starts that prefetch, runs before this continuation.)
            if (entry.generation.done)
                await entry.generation.finished;
            if (signal.aborted)
                return { kind: "canceled" };
            match = this.matchLive(input);
        }
        const cached = this.cache.get(place.cacheKey);
        if (cached != null)
            return { kind: "suggestion", text: cached.text, overwriteChars: cached.overwriteChars, source: "cache", piece: "block", elapsedMs: elapsed() };

        // Nothing running can serve this place: stop what runs, so the backend is free.
        this.abortLive(() => true);
        if (signal.aborted)
            return { kind: "canceled" };
        // (After a live generation turned out unusable the user has waited already.)
        if (input.trigger === "automatic" && !matched && !(await this.debouncer.wait(signal)))
            return { kind: "canceled" };
        const debounceMs = this.now() - started;
        // What started meanwhile (a prefetch from a generation's end) cannot serve this place either,
        // and the backend runs one request at a time: the new one must not queue behind it.
        this.abortLive((entry) => !entry.generation.done);
        const extraContext = formatExtraContext(input.extraContext ?? [], place.budget.extraChars);
        const entry = this.start("request", input.document, input.offset, place.context, extraContext, place.budget);
        const served = await this.serve(entry, "", "new", signal, keystrokeAt, started, debounceMs);
        return served === "unusable" ? this.emptyOutcome(entry.generation, keystrokeAt) : served;
    }

    /**
     * Brings the prompt at the cursor into the backend's cache without generating (a file came to
     * the front, the cursor jumped): the first request there then processes a few new tokens instead
     * of the whole window. Skipped while a generation is running.
     */
    public async warmUp(input: CompletionInput, signal: AbortSignal): Promise<RequestStats | undefined> {
        if (this.live.some((entry) => !entry.generation.done))
            return undefined;
        const settings = this.settings();
        const budget = promptBudget(settings.contextSize, settings.maxTokens);
        const prompt = this.planner.plan(input.document, input.offset, budget);
        const extraContext = formatExtraContext(input.extraContext ?? [], budget.extraChars);
        const outcome = await this.backend.complete({
            prefix: prompt.prefix, middleChars: prompt.middleChars, suffix: prompt.suffix,
            ...(extraContext !== "" ? { extraContext } : {}),
            maxTokens: settings.maxTokens, prefillOnly: true
        }, signal);
        return outcome.kind === "result" ? outcome.result.stats : undefined;
    }

    /** The cursor moved without an edit: generations that cannot serve the new place stop. */
    public cursorMoved(uri: string, offset: number): void {
        this.abortLive((entry) => entry.generation.document.uri === uri &&
            (offset < entry.generation.offset || offset > entry.generation.offset + entry.generation.raw.length + 1));
    }

    /** Stops every generation (completions turned off, the model changes). */
    public abortAll(): void {
        this.abortLive(() => true);
    }

    public clear(): void {
        this.abortAll();
        this.cache.clear();
        this.planner.clear();
    }

    /** The document was closed: its suggestions, generations and prompt anchor go. */
    public forgetDocument(uri: string): void {
        this.abortLive((entry) => entry.generation.document.uri === uri);
        this.cache.deleteDocument(uri);
        this.planner.forget(uri);
    }

    private placeOf(input: CompletionInput) {
        const { document, offset } = input;
        const settings = this.settings();
        const { linePrefix, lineSuffix } = lineAround(document, offset, lineContextChars);
        const midLine = /\S/.test(lineSuffix);
        const context: SuggestionContext = {
            linePrefix,
            lineSuffix,
            nextLines: linesAfter(document, offset, nextLinesForCleaning, lineContextChars),
            previousLines: linesBefore(document, offset - linePrefix.length, previousLinesForCleaning, lineContextChars),
            eol: document.eol,
            ...(input.languageId != null ? { languageId: input.languageId } : {}),
            maxLines: midLine ? 1 : Math.max(1, settings.maxLines),
            ...(input.indentUnit != null ? { indentUnit: input.indentUnit } : {}),
            ...(input.tabSize != null ? { tabSize: input.tabSize } : {})
        };
        const cacheKey: CompletionCacheKey = {
            uri: document.uri, offset, prefix: document.getText(offset - placeKeyChars, offset), lineSuffix
        };
        return { context, cacheKey, budget: promptBudget(settings.contextSize, settings.maxTokens) };
    }

    /** A live generation that started at or before the cursor and whose text the user has been typing or accepting. */
    private matchLive(input: CompletionInput): { entry: LiveGeneration; typed: string } | undefined {
        const { document, offset } = input;
        let best: { entry: LiveGeneration; typed: string } | undefined;
        for (const entry of this.live) {
            const generation = entry.generation;
            if (generation.document.uri !== document.uri || offset < generation.offset || generation.aborted)
                continue;
            // Bounded: a generation serves at most a few hundred characters past its start.
            if (offset - generation.offset > generation.raw.length + 4096)
                continue;
            const typed = document.getText(generation.offset, offset);
            if (document.getText(generation.offset - entry.before.length, generation.offset) !== entry.before)
                continue;
            if (lineAround(document, offset, lineContextChars).lineSuffix !== generation.context.lineSuffix)
                continue;
            if (pieceFor(generation, typed, generation.context).kind === "none")
                continue;
            if (best == null || typed.length < best.typed.length)
                best = { entry, typed };
        }
        if (best != null)
            this.abortLive((entry) => entry !== best!.entry && !entry.generation.done);
        return best;
    }

    private start(purpose: GenerationPurpose, document: DocumentView, offset: number, context: SuggestionContext, extraContext: string, budget: PromptBudget): LiveGeneration {
        const settings = this.settings();
        const prompt = this.planner.plan(document, offset, budget);
        const id = this.nextId++;
        const request: BackendRequest = {
            prefix: prompt.prefix,
            middleChars: prompt.middleChars,
            suffix: prompt.suffix,
            ...(extraContext !== "" ? { extraContext } : {}),
            maxTokens: settings.maxTokens,
            maxLines: context.maxLines,
            temperature: settings.temperature,
            seed: id
        };
        if (settings.logPrompts)
            this.events.log?.(`[prompt #${id}${purpose === "prefetch" ? " prefetch" : ""}] ${JSON.stringify({ extraContext, prefix: prompt.prefix, middleChars: prompt.middleChars, suffix: prompt.suffix })}`);
        // The generation keeps its own copy of the text around the cursor: a prefetch built from it
        // must see the document as this request saw it, whatever the editor holds by then.
        const snapshot = snapshotAround(document, offset, budget.prefixChars + lineContextChars + placeKeyChars, budget.suffixChars + (nextLinesForCleaning + 1) * lineContextChars);
        const generation = new Generation(id, purpose, snapshot, offset, context, request, this.backend, this.now);
        const entry: LiveGeneration = { generation, before: document.getText(offset - placeKeyChars, offset) };
        this.live.push(entry);
        this.inFlight.add(generation);
        void generation.finished.then(() => {
            this.inFlight.delete(generation);
            this.finish(entry);
        });
        return entry;
    }

    private finish(entry: LiveGeneration): void {
        const { generation } = entry;
        const outcome = generation.outcome!;
        const settings = this.settings();
        if (outcome.kind === "error")
            this.events.onError?.(outcome.error.message);
        if (outcome.kind !== "result") {
            this.drop(entry);
            return;
        }
        const { result } = outcome;
        if (result.stats.generatedTokens > 0)
            this.events.onGenerationDone?.(result.stats, result.speculative, generation.purpose);
        if (settings.logPrompts)
            this.events.log?.(`[completion #${generation.id}] ${JSON.stringify({ raw: result.text, stopReason: result.stopReason })}`);
        const full = generation.finalText;
        if (full == null) {
            this.drop(entry);
            return;
        }
        const piece = pieceFor(generation, "", generation.context);
        if (piece.kind !== "show") {
            this.drop(entry);
            return;
        }
        // Finished suggestions also go to the cache, which serves typing through them (and back).
        this.cache.set({
            uri: generation.document.uri, offset: generation.offset,
            prefix: entry.before, lineSuffix: generation.context.lineSuffix
        }, piece.text, piece.overwriteChars);
        if (entry.shownAt != null && entry.shownAt.length < piece.text.length - (entry.shownAt.offset - generation.offset))
            this.events.onImproved?.(generation.document.uri, entry.shownAt.offset);
        // A prefetch nobody has used yet is a guess; one the user is reading is a request. One the
        // user typed away from (its last round ended normally after the abort) is neither.
        if (!generation.aborted && (generation.purpose === "request" || entry.shownAt != null))
            this.prefetchAfter(entry, piece.text);
    }

    /**
     * Starts the generation for the cursor after `accepted` is accepted at the generation's place,
     * from the same prompt plus the accepted text: the backend's cache already holds both, so only
     * decoding is left, and it runs while the user reads.
     */
    private prefetchAfter(entry: LiveGeneration, accepted: string): void {
        const { generation } = entry;
        const settings = this.settings();
        if (!settings.prefetch || entry.prefetched === true || this.live.some((other) => other !== entry && !other.generation.done))
            return;
        entry.prefetched = true;
        const document = withInsertion(generation.document, generation.offset, accepted);
        const offset = generation.offset + accepted.length;
        const { linePrefix, lineSuffix } = lineAround(document, offset, lineContextChars);
        const context: SuggestionContext = {
            ...generation.context,
            linePrefix,
            lineSuffix,
            previousLines: linesBefore(document, offset - linePrefix.length, previousLinesForCleaning, lineContextChars),
            maxLines: /\S/.test(lineSuffix) ? 1 : Math.max(1, settings.maxLines)
        };
        // Same extra context as the request: the prompt then extends the request's token for token.
        this.start("prefetch", document, offset, context, generation.request.extraContext ?? "", promptBudget(settings.contextSize, settings.maxTokens));
    }

    private async serve(
        entry: LiveGeneration,
        typed: string,
        source: SuggestionSource,
        signal: AbortSignal,
        keystrokeAt: number,
        started: number,
        debounceMs = 0
    ): Promise<PipelineOutcome | "unusable"> {
        const { generation } = entry;
        const settings = this.settings();
        const elapsed = () => this.now() - keystrokeAt;
        // A user who accepted a partial line takes its next words as they come: no wait for the line.
        const last = this.lastPartial;
        const continuesPartial = last != null && last.uri === generation.document.uri && last.end === generation.offset + typed.length;
        const deadline = continuesPartial ? started : keystrokeAt + Math.max(0, settings.latencyBudgetMs);
        const aborted = abortedPromise(signal);
        while (true) {
            if (signal.aborted || generation.aborted)
                return { kind: "canceled" };
            const piece = pieceFor(generation, typed, generation.context);
            if (piece.kind === "show")
                return this.shown(entry, typed, piece, piece.final ? "block" : "lines", source, elapsed, started, debounceMs);
            if (piece.kind === "none")
                return "unusable";
            // Past the budget, the first line so far is shown as soon as it has a whole word.
            const overBudget = this.now() >= deadline;
            if (overBudget) {
                const partial = partialPiece(generation.raw, typed, generation.context);
                if (partial != null)
                    return this.shown(entry, typed, partial, "budget", source, elapsed, started, debounceMs);
            }
            await Promise.race([generation.changed(), ...(overBudget ? [] : [delay(deadline - this.now())]), aborted]);
        }
    }

    /** Why a new generation gave nothing to show. */
    private emptyOutcome(generation: Generation, keystrokeAt: number): PipelineOutcome {
        if (generation.outcome?.kind === "error")
            return { kind: "error", message: generation.outcome.error.message };
        const reason = generation.finalText != null && generation.finalText.trim() !== "" ? "cleanedAway" : "noOutput";
        return { kind: "empty", reason, elapsedMs: this.now() - keystrokeAt };
    }

    private shown(entry: LiveGeneration, typed: string, edit: { readonly text: string; readonly overwriteChars: number }, piece: "block" | "lines" | "budget", source: SuggestionSource, elapsed: () => number, started: number, debounceMs: number): PipelineOutcome {
        const { generation } = entry;
        const offset = generation.offset + typed.length;
        entry.shownAt = { offset, length: edit.text.length };
        this.lastPartial = piece === "budget" ? { uri: generation.document.uri, end: offset + edit.text.length } : undefined;
        if (piece === "budget")
            void this.offerWhenComplete(entry, typed, edit.text);
        // A finished prefetch now shown: the suggestion after it is computed while the user reads
        // this one, so Tab-Tab-Tab keeps finding the next one ready.
        if (piece === "block" && generation.purpose === "prefetch")
            this.prefetchAfter(entry, typed + edit.text);
        const details = source === "new" ? this.detailsOf(generation, started, debounceMs, this.now()) : undefined;
        return { kind: "suggestion", text: edit.text, overwriteChars: edit.overwriteChars, source, piece, elapsedMs: elapsed(), ...(details != null ? { details } : {}) };
    }

    /** After a partial piece was shown, re-offers the place once a longer piece is ready there. */
    private async offerWhenComplete(entry: LiveGeneration, typed: string, shownText: string): Promise<void> {
        const { generation } = entry;
        const shownLength = shownText.length;
        while (!generation.aborted) {
            const piece = pieceFor(generation, typed, generation.context);
            if (piece.kind === "none")
                return;
            if (piece.kind === "show" && (piece.text.length > shownLength || piece.final)) {
                // Longer, or final and different (cleaning the whole line cut what the partial showed).
                if (piece.text.length > shownLength ? !generation.done : piece.text.slice(0, shownText.length) !== shownText)
                    this.events.onImproved?.(generation.document.uri, generation.offset + typed.length);
                return;
            }
            if (generation.done)
                return;
            await generation.changed();
        }
    }

    /** Where the time went, and the whole suggestion, once the generation has ended and the backend's own timings are known. */
    private async detailsOf(generation: Generation, started: number, debounceMs: number, shownAt: number): Promise<GenerationDetails | undefined> {
        const outcome = await generation.finished;
        if (outcome.kind !== "result")
            return undefined;
        const { stats } = outcome.result;
        const endedAt = generation.endedAt ?? this.now();
        const queueMs = Math.max(0, endedAt - generation.startedAt - stats.totalMs);
        const whole = pieceFor(generation, "", generation.context);
        // The pipeline's clock (performance.now() unless a test gives another) to epoch ms.
        const toEpoch = (at: number) => at + (epochNow() - this.now());
        return {
            times: {
                generationId: generation.id,
                requestedAt: toEpoch(generation.startedAt),
                ...(generation.firstTextAt != null ? { firstTextAt: toEpoch(generation.firstTextAt) } : {}),
                shownAt: toEpoch(shownAt),
                ...(generation.endedAt != null ? { endedAt: toEpoch(generation.endedAt) } : {}),
                ...(outcome.result.hostTimes != null ? { host: outcome.result.hostTimes } : {}),
                enginePromptMs: stats.promptMs,
                engineTotalMs: stats.totalMs
            },
            split: {
                debounceMs: Math.max(debounceMs, generation.startedAt - started),
                queueMs,
                promptMs: stats.promptMs,
                decodeMs: Math.max(0, shownAt - generation.startedAt - queueMs - stats.promptMs),
                newPromptTokens: stats.promptTokens - stats.reusedPromptTokens,
                promptTokens: stats.promptTokens
            },
            fullText: whole.kind === "show" ? whole.text : ""
        };
    }

    private abortLive(which: (entry: LiveGeneration) => boolean): void {
        const keep: LiveGeneration[] = [];
        for (const entry of this.live)
            if (which(entry)) {
                if (!entry.generation.done)
                    entry.generation.abort();
            } else
                keep.push(entry);
        this.live = keep;
    }

    private drop(entry: LiveGeneration): void {
        this.live = this.live.filter((candidate) => candidate !== entry);
    }
}

function abortedPromise(signal: AbortSignal): Promise<void> {
    if (signal.aborted)
        return Promise.resolve();
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
