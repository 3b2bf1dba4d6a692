// What this session's completions measured: the rolling acceptance window for the status bar, and a
// bounded history of per-request figures for the statistics view. No `vscode` import.
import { AcceptanceWindow, sampleFromStats, type AcceptanceSummary } from "../completion/AcceptanceWindow";
import { percentile } from "../completion/percentile";
import type { RequestStats } from "../common/CompletionTypes";

/** One finished engine request, as the statistics view charts it. */
export interface RequestPoint {
    /** Milliseconds since the session started. */
    readonly t: number;
    readonly speculative: boolean;
    /** undefined when nothing was drafted. */
    readonly acceptanceRate: number | undefined;
    readonly rollingAcceptanceRate: number;
    readonly tokensPerTargetEval: number;
    readonly generatedTokens: number;
    readonly promptMs: number;
    readonly draftMs: number;
    readonly targetMs: number;
    readonly tokensPerSecond: number;
    /** Estimated speedup of this request over the target alone; undefined when not speculative. */
    readonly speedup: number | undefined;
}

export interface StatsSnapshot {
    readonly window: AcceptanceSummary;
    readonly points: readonly RequestPoint[];
    /** Target-alone decoding cost in ms per token, measured in this session; undefined until then. */
    readonly baselineMsPerToken: number | undefined;
    /** "measured" once requests decoded by the target alone ran in this session, else "none". */
    readonly baselineSource: "measured" | "none";
    readonly suggestionsShown: number;
    readonly suggestionsAccepted: number;
    readonly cacheHits: number;
    /** Keystroke → suggestion shown, over the most recent suggestions shown while typing. */
    readonly timeToSuggestion: TimeToSuggestion;
}

export interface TimeToSuggestion {
    /** Suggestions the figures cover (at most the window size). */
    readonly count: number;
    readonly p50Ms: number | undefined;
    readonly p95Ms: number | undefined;
}

/**
 * Speedup is decoding time of the target alone divided by the time speculation took, both measured.
 * The target's cost per token is its ms per eval in requests where every eval decoded one token: the
 * target-only ones (speculation off) and speculative ones in which nothing was drafted, over the
 * last `baselineWindow` of them, so the figure follows the machine's current load. A target pass in a
 * speculative run verifies several tokens and costs more than one token alone (1.9× on the fixture
 * pair at threads 1), so it cannot stand in for the baseline: until a target-alone request ran there
 * is no speedup, and the view says how to get one.
 */
export class SessionStats {
    private readonly window: AcceptanceWindow;
    private readonly points: RequestPoint[] = [];
    private readonly listeners = new Set<() => void>();
    private readonly startedAt = Date.now();
    /** ms and evals of the most recent requests decoded by the target alone, one token per eval. */
    private readonly targetAlone: Array<{ ms: number; evals: number }> = [];
    private shown = 0;
    private accepted = 0;
    private cacheHits = 0;
    private readonly latencies: number[] = [];

    public constructor(private readonly windowSize = 50, private readonly maxPoints = 300, private readonly baselineWindow = 20) {
        this.window = new AcceptanceWindow(windowSize);
    }

    /** Subscribes to changes; returns the unsubscribe function. */
    public onDidChange(listener: () => void): { dispose(): void } {
        this.listeners.add(listener);
        return { dispose: () => this.listeners.delete(listener) };
    }

    public addRequest(stats: RequestStats, speculative: boolean): void {
        if (stats.generatedTokens <= 0)
            return;
        if (speculative && stats.draftedTokens > 0)
            this.window.add(sampleFromStats(stats));
        const oneTokenPerEval = !speculative || stats.draftedTokens === 0;
        if (oneTokenPerEval && stats.targetEvals > 0) {
            this.targetAlone.push({ ms: stats.targetMs, evals: stats.targetEvals });
            if (this.targetAlone.length > this.baselineWindow)
                this.targetAlone.shift();
        }
        const decodeMs = stats.draftMs + stats.targetMs;
        const baseline = this.baseline();
        const speedup = speculative && stats.draftedTokens > 0 && baseline.msPerToken != null && decodeMs > 0
            ? (baseline.msPerToken * stats.generatedTokens) / decodeMs
            : undefined;
        const summary = this.window.summary();
        this.points.push({
            t: Date.now() - this.startedAt,
            speculative,
            acceptanceRate: stats.draftedTokens > 0 ? stats.acceptedTokens / stats.draftedTokens : undefined,
            rollingAcceptanceRate: summary.acceptanceRate,
            tokensPerTargetEval: stats.targetEvals > 0 ? stats.generatedTokens / stats.targetEvals : 1,
            generatedTokens: stats.generatedTokens,
            promptMs: stats.promptMs,
            draftMs: stats.draftMs,
            targetMs: stats.targetMs,
            tokensPerSecond: decodeMs > 0 ? (stats.generatedTokens * 1000) / decodeMs : 0,
            speedup
        });
        if (this.points.length > this.maxPoints)
            this.points.shift();
        this.changed();
    }

    /**
     * A suggestion was shown; `ready` when it needed no new generation (cache, a running one, a
     * prefetch). `latencyMs` is the time from the keystroke that led to it, when one did.
     */
    public addShown(ready: boolean, latencyMs?: number): void {
        this.shown++;
        if (ready)
            this.cacheHits++;
        if (latencyMs != null && Number.isFinite(latencyMs)) {
            this.latencies.push(latencyMs);
            if (this.latencies.length > this.windowSize)
                this.latencies.shift();
        }
        this.changed();
    }

    public get timeToSuggestion(): TimeToSuggestion {
        return { count: this.latencies.length, p50Ms: percentile(this.latencies, 50), p95Ms: percentile(this.latencies, 95) };
    }

    public addAccepted(): void {
        this.accepted++;
        this.changed();
    }

    public get acceptance(): AcceptanceSummary {
        return this.window.summary();
    }

    public snapshot(): StatsSnapshot {
        const baseline = this.baseline();
        return {
            window: this.window.summary(),
            points: [...this.points],
            baselineMsPerToken: baseline.msPerToken,
            baselineSource: baseline.source,
            suggestionsShown: this.shown,
            suggestionsAccepted: this.accepted,
            cacheHits: this.cacheHits,
            timeToSuggestion: this.timeToSuggestion
        };
    }

    public clear(): void {
        this.window.clear();
        this.points.length = 0;
        this.targetAlone.length = 0;
        this.latencies.length = 0;
        this.changed();
    }

    private baseline(): { msPerToken: number | undefined; source: StatsSnapshot["baselineSource"] } {
        const evals = this.targetAlone.reduce((sum, request) => sum + request.evals, 0);
        if (evals === 0)
            return { msPerToken: undefined, source: "none" };
        return { msPerToken: this.targetAlone.reduce((sum, request) => sum + request.ms, 0) / evals, source: "measured" };
    }

    private changed(): void {
        for (const listener of this.listeners)
            listener();
    }
}
