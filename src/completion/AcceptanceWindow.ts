import type { RequestStats } from "../common/CompletionTypes";

/** What one request contributes to the window. */
export interface AcceptanceSample {
    readonly drafted: number;
    readonly accepted: number;
    readonly generated: number;
    readonly targetEvals: number;
    /** Decoding time in ms (drafting plus verification; prompt processing excluded). */
    readonly ms: number;
    /** Rounds in which speculation drafted nothing because it would not have paid (RequestStats.declinedRounds). Defaults to 0. */
    readonly declined?: number;
}

/** A run of this many requests that drafted nothing because it would not pay makes speculation "idle". */
export const IDLE_AFTER_REQUESTS = 3;

/** Figures over the samples in the window. Rates are 0 when their denominator is 0. */
export interface AcceptanceSummary extends AcceptanceSample {
    readonly requests: number;
    /**
     * The last {@link IDLE_AFTER_REQUESTS} requests drafted nothing, and declined to: speculation is on
     * but idle, because drafting has not paid on this text (the target decodes alone until it would).
     */
    readonly idle: boolean;
    /** accepted ÷ drafted. */
    readonly acceptanceRate: number;
    /** generated ÷ targetEvals: how many tokens each (expensive) target pass yields. */
    readonly tokensPerTargetEval: number;
    /** generated ÷ seconds of decoding. */
    readonly tokensPerSecond: number;
}

/** One point per request, for a chart. */
export interface AcceptancePoint {
    /** When the request finished (the clock the caller passed to {@link AcceptanceWindow.add}). */
    readonly at: number;
    /** This request's own acceptance rate; undefined when it drafted nothing. */
    readonly acceptanceRate: number | undefined;
    /** The window's acceptance rate up to and including this request. */
    readonly rollingAcceptanceRate: number;
    readonly tokensPerTargetEval: number;
    readonly tokensPerSecond: number;
}

/**
 * The sample of one engine request. Prompt time is left out of `ms` so tok/s is decoding speed; the
 * status bar shows prompt time on its own.
 */
export function sampleFromStats(stats: RequestStats): AcceptanceSample {
    return {
        drafted: stats.draftedTokens,
        accepted: stats.acceptedTokens,
        generated: stats.generatedTokens,
        targetEvals: stats.targetEvals,
        ms: stats.draftMs + stats.targetMs,
        declined: stats.declinedRounds ?? 0
    };
}

/**
 * The last `capacity` requests' speculative-decoding figures: the live acceptance rate says whether
 * the draft model is earning its keep (the speedup ceiling is 1 / (1 − α)). Sums are kept running,
 * so reading the summary (every status-bar refresh) does not walk the window.
 */
export class AcceptanceWindow {
    public readonly capacity: number;
    private readonly samples: { sample: AcceptanceSample; at: number }[] = [];
    private sums = { drafted: 0, accepted: 0, generated: 0, targetEvals: 0, ms: 0 };

    /** @param capacity Requests kept. Defaults to 50. */
    public constructor(capacity = 50) {
        this.capacity = Math.max(1, Math.floor(capacity));
    }

    public get size(): number {
        return this.samples.length;
    }

    /** Adds one request; drops the oldest once full. Negative or non-finite figures count as 0. */
    public add(sample: AcceptanceSample, at: number = Date.now()): void {
        const clean: AcceptanceSample = {
            drafted: nonNegative(sample.drafted),
            accepted: nonNegative(sample.accepted),
            generated: nonNegative(sample.generated),
            targetEvals: nonNegative(sample.targetEvals),
            ms: nonNegative(sample.ms),
            declined: nonNegative(sample.declined ?? 0)
        };
        this.samples.push({ sample: clean, at });
        this.adjust(clean, 1);
        if (this.samples.length > this.capacity)
            this.adjust(this.samples.shift()!.sample, -1);
    }

    public summary(): AcceptanceSummary {
        const recent = this.samples.slice(-IDLE_AFTER_REQUESTS);
        const idle = recent.length === IDLE_AFTER_REQUESTS && recent.every(({ sample }) => sample.drafted === 0 && (sample.declined ?? 0) > 0);
        return { requests: this.samples.length, ...this.sums, ...rates(this.sums), idle };
    }

    /** One point per request in the window, oldest first. */
    public series(): AcceptancePoint[] {
        let drafted = 0;
        let accepted = 0;
        return this.samples.map(({ sample, at }) => {
            drafted += sample.drafted;
            accepted += sample.accepted;
            const own = rates(sample);
            return {
                at,
                acceptanceRate: sample.drafted > 0 ? own.acceptanceRate : undefined,
                rollingAcceptanceRate: ratio(accepted, drafted),
                tokensPerTargetEval: own.tokensPerTargetEval,
                tokensPerSecond: own.tokensPerSecond
            };
        });
    }

    public clear(): void {
        this.samples.length = 0;
        this.sums = { drafted: 0, accepted: 0, generated: 0, targetEvals: 0, ms: 0 };
    }

    private adjust(sample: AcceptanceSample, sign: 1 | -1): void {
        this.sums.drafted += sign * sample.drafted;
        this.sums.accepted += sign * sample.accepted;
        this.sums.generated += sign * sample.generated;
        this.sums.targetEvals += sign * sample.targetEvals;
        this.sums.ms += sign * sample.ms;
    }
}

function rates(sample: AcceptanceSample): Pick<AcceptanceSummary, "acceptanceRate" | "tokensPerTargetEval" | "tokensPerSecond"> {
    return {
        acceptanceRate: ratio(sample.accepted, sample.drafted),
        tokensPerTargetEval: ratio(sample.generated, sample.targetEvals),
        tokensPerSecond: ratio(sample.generated, sample.ms / 1000)
    };
}

function ratio(numerator: number, denominator: number): number {
    return denominator > 0 ? numerator / denominator : 0;
}

function nonNegative(value: number): number {
    return Number.isFinite(value) && value > 0 ? value : 0;
}
