import { ConfidenceCalibration } from "./ConfidenceCalibration";
import { PayoffLedger, type PayoffDecision } from "./PayoffLedger";

/**
 * Where a round's proposals came from: the draft model, or a copy found by lookup, by the length of
 * the match behind it — "ngram" under 8 tokens, "ngram8" 8–15, "ngram16" 16–31, "ngram32" 32 or more.
 * A longer match is right far more often (one run on the large fixture pair's bench tasks: 6 % of the
 * tokens copied after a 3–7-token match were accepted, 76–92 % after longer ones), so each length keeps
 * its own acceptance estimate, and the long ones may draft past the user's K.
 *
 * "copy" is a next-edit request's own window, copied where the rewrite is aligned with it (see
 * CopyDrafter): a rewrite copies most of its window, so those copies are right nearly always.
 */
export type DraftSource = "model" | LookupSource | "copy";
export type LookupSource = "ngram" | "ngram8" | "ngram16" | "ngram32";

export function lookupSourceFor(matchLength: number): LookupSource {
    return matchLength >= 32 ? "ngram32" : matchLength >= 16 ? "ngram16" : matchLength >= 8 ? "ngram8" : "ngram";
}

/**
 * How the request's previous drafting round went. Acceptance comes in runs (a copied line is
 * accepted to its end; the first tokens after the cursor are mostly rejected), so α is estimated
 * separately after a fully accepted round, after a rejection, for a request's first round, and for
 * the other rounds before its first line break ("firstLine": what the user waits for, where a draft
 * is least often right; its own payoff record lets speculation step aside there and still run on
 * the lines after): one average over all rounds would draft too little inside a run and too much
 * after it breaks.
 */
export type RoundContext = "first" | "firstLine" | "afterAccept" | "afterReject";

interface AcceptanceEstimate {
    acceptedEma: number;
    rejectedEma: number;
    rounds: number;
}

interface SourceState {
    overall: AcceptanceEstimate;
    byContext: Map<RoundContext, AcceptanceEstimate>;
    draftMsPerToken: number;
    roundsSinceProbe: number;
}

/** Rounds seen in a context before its own estimate replaces the source's overall one. */
const MIN_CONTEXT_ROUNDS = 5;

/** A proposal must promise at least this much more speed than the target alone to be verified. */
const MIN_GAIN = 1.02;

/** What a verified greedy round cost and committed, for the payoff ledger. */
export interface RoundOutcome {
    readonly source: DraftSource;
    readonly context: RoundContext | undefined;
    /** Tokens the round committed: accepted proposals plus the target's own. */
    readonly committed: number;
    /** Milliseconds of the round's one target eval (the pending token and every proposal in one batch). */
    readonly verifyMs: number;
    /** Time spent drafting this round (0 for a copy). */
    readonly draftMs: number;
    /**
     * Set when the round was a draft model's retry, verified uncut (`drafted` tokens, the first
     * `accepted` kept) while the usual round would have verified only its first `policyLength`: the
     * ledger is then charged what that cut round would have earned, so that a retry measures the
     * policy it would bring back, not the exploration.
     */
    readonly probe?: { readonly policyLength: number; readonly drafted: number; readonly accepted: number };
}

/**
 * Chooses how many tokens to draft next round (K) from what this machine and these models actually
 * do: the per-token acceptance α observed so far, the draft's cost per token, and the target's cost
 * for a batch of b tokens. It picks the K that maximises expected tokens per millisecond,
 *   E[tokens] = (1 − α^(K+1)) / (1 − α),  cost = K·c_draft + c_target(K+1),
 * and drafts nothing when no K beats plain decoding (with an occasional probe so α stays current).
 */
export class DraftLengthController {
    private readonly sources = new Map<DraftSource, SourceState>();
    private readonly targetMsByBatch = new Map<number, number>();
    /** The measured batch sizes in ascending order (targetMs runs in every round's length search). */
    private readonly measuredSizes: number[] = [];
    /** What each source actually earned against the target alone (the "never slower" veto). */
    private readonly ledger = new PayoffLedger();
    /** The draft model's confidence → acceptance, for this pair. */
    public readonly calibration = new ConfidenceCalibration();

    public constructor(
        private readonly options: {
            readonly maxDraft: number;
            readonly adaptive: boolean;
            /** Weight of a new observation in the moving averages. Defaults to 0.1. */
            readonly smoothing?: number;
            /** Rounds of plain decoding between probes when speculation does not pay. Defaults to 8. */
            readonly probeInterval?: number;
        }
    ) {}

    /**
     * Estimated probability that the next token drafted by `source` is accepted, in `context` when
     * given and seen often enough, else over all rounds.
     */
    public acceptance(source: DraftSource = "model", context?: RoundContext): number {
        const state = this.state(source);
        const specific = context != null ? state.byContext.get(context) : undefined;
        const estimate = specific != null && specific.rounds >= MIN_CONTEXT_ROUNDS ? specific : state.overall;
        return estimate.acceptedEma / Math.max(1e-9, estimate.acceptedEma + estimate.rejectedEma);
    }

    /** Draft length for the next round from `source`, 0 … `maxDraft` (defaults to the controller's). */
    public next(source: DraftSource = "model", context?: RoundContext, maxDraft = this.options.maxDraft): number {
        const state = this.state(source);
        if (maxDraft <= 0)
            return 0;
        if (!this.options.adaptive)
            return maxDraft;
        const costOne = this.targetMs(1);
        if (costOne <= 0)
            return Math.min(maxDraft, 4);
        const bestK = this.bestLength(Math.min(0.999, this.acceptance(source, context)), state.draftMsPerToken, maxDraft, costOne);
        if (bestK === 0) {
            state.roundsSinceProbe++;
            // A probe keeps α current. It drafts the length that would pay if this source were good
            // (α 0.9): a one-token probe never pays where a verify of two costs nearly two evals (a CPU),
            // so the payoff ledger would count every probe a loss and stop a draft whose longer rounds pay.
            if (state.roundsSinceProbe >= (this.options.probeInterval ?? 8)) {
                state.roundsSinceProbe = 0;
                return this.probeLength(source, maxDraft);
            }
        }
        return bestK;
    }

    /** What a probe of `source` drafts: the length that would pay if the source were good (α 0.9); at least 1. */
    public probeLength(source: DraftSource, maxDraft = this.options.maxDraft): number {
        const costOne = this.targetMs(1);
        if (costOne <= 0 || !this.options.adaptive)
            return Math.max(1, maxDraft);
        return Math.max(1, this.bestLength(0.9, this.state(source).draftMsPerToken, maxDraft, costOne));
    }

    /** The draft length that maximises expected tokens per millisecond at acceptance α, or 0 when none beats a plain eval. */
    private bestLength(alpha: number, draftMsPerToken: number, maxDraft: number, costOne: number): number {
        let bestK = 0;
        let bestRate = 1 / costOne;
        for (let k = 1; k <= maxDraft; k++) {
            const expected = (1 - Math.pow(alpha, k + 1)) / (1 - alpha);
            const rate = expected / (k * draftMsPerToken + this.targetMs(k + 1));
            if (rate > bestRate * MIN_GAIN) {
                bestRate = rate;
                bestK = k;
            }
        }
        return bestK;
    }

    /**
     * Whether drafting from `source` pays here, by the clock (see PayoffLedger): the round context's
     * own record once it has one, else the source's. Always "draft" when not adaptive.
     */
    public payoff(source: DraftSource, context: RoundContext | undefined): PayoffDecision {
        if (!this.options.adaptive)
            return "draft";
        return this.ledger.decide(this.ledgerKeyFor(source, context));
    }

    /** Records what a verified round earned against the target alone (needs one measured plain eval). */
    public recordRound(outcome: RoundOutcome): void {
        const plainMs = this.targetMs(1);
        if (plainMs <= 0)
            return;
        const probe = outcome.probe;
        const saved = probe == null
            ? PayoffLedger.saved(outcome.committed, outcome.verifyMs + outcome.draftMs, plainMs)
            : PayoffLedger.saved(
                Math.min(probe.accepted, probe.policyLength) + 1,
                this.targetMs(probe.policyLength + 1) + outcome.draftMs * Math.min(1, (probe.policyLength + 1) / Math.max(1, probe.drafted)),
                plainMs
            );
        this.ledger.record(outcome.source, saved);
        if (outcome.context != null)
            this.ledger.record(ledgerKey(outcome.source, outcome.context), saved);
    }

    /** Average tokens a round from `source` saved (negative: lost) against the target alone; undefined before any. */
    public averageSaving(source: DraftSource): number | undefined {
        return this.ledger.average(source);
    }

    /**
     * How many of a proposal's tokens to verify, given each token's estimated probability of being
     * accepted when all before it are (`acceptances[i]`): the prefix length k that maximises expected
     * committed tokens per millisecond, (1 + Σ_{j≤k} Π_{i≤j} p_i) / cost(k + 1), or 0 when no prefix beats
     * the target alone by {@link MIN_GAIN}. Drafting already spent is sunk and not counted. With no
     * measured costs yet, everything.
     */
    public bestPrefix(acceptances: readonly number[]): number {
        const plainMs = this.targetMs(1);
        if (plainMs <= 0 || !this.options.adaptive)
            return acceptances.length;
        let bestK = 0;
        let bestRate = MIN_GAIN / plainMs;
        let cumulative = 1;
        let expected = 1;
        for (let k = 1; k <= acceptances.length; k++) {
            cumulative *= Math.max(0, Math.min(1, acceptances[k - 1]));
            expected += cumulative;
            const rate = expected / this.targetMs(k + 1);
            if (rate > bestRate) {
                bestRate = rate;
                bestK = k;
            }
        }
        return bestK;
    }

    /**
     * How many draft-model tokens to append to a lookup copy in the same verify batch: the k that
     * maximises expected committed tokens per millisecond, counting the copy's own expected tokens
     * (`copy.expected`, the target's token included) and the model's tokens only when the whole copy
     * is accepted (`copy.reach`); 0 when the copy alone is better.
     */
    public bestExtension(copy: { readonly length: number; readonly reach: number; readonly expected: number }, acceptances: readonly number[]): number {
        if (this.targetMs(1) <= 0 || !this.options.adaptive)
            return acceptances.length;
        let bestK = 0;
        let bestRate = copy.expected / this.targetMs(copy.length + 1);
        let cumulative = copy.reach;
        let expected = copy.expected;
        for (let k = 1; k <= acceptances.length; k++) {
            cumulative *= Math.max(0, Math.min(1, acceptances[k - 1]));
            expected += cumulative;
            const rate = expected / this.targetMs(copy.length + k + 1);
            if (rate > bestRate * MIN_GAIN) {
                bestRate = rate;
                bestK = k;
            }
        }
        return bestK;
    }

    /**
     * Whether a draft model that has drafted `drafted` tokens, all of which the target keeps with
     * probability `cumulative`, should draft one more: even if that token were certain, it adds at
     * most `cumulative` expected tokens (each worth a plain eval), and costs one draft eval and the
     * larger verify batch.
     */
    public worthDraftingAnother(cumulative: number, drafted: number): boolean {
        const plainMs = this.targetMs(1);
        if (plainMs <= 0 || !this.options.adaptive)
            return true;
        const marginalMs = this.state("model").draftMsPerToken + this.targetMs(drafted + 2) - this.targetMs(drafted + 1);
        return cumulative * plainMs > marginalMs;
    }

    /**
     * Expected committed tokens per millisecond of a round drafting from `source`, at its best length up
     * to `maxDraft` (that source's acceptance in `context`, its draft cost per token, the target's batch
     * costs), or of a plain round when no length beats it. Reads only: no probe is counted. 0 before any
     * cost is known.
     */
    public expectedRate(source: DraftSource, context: RoundContext | undefined, maxDraft: number): number {
        const plainMs = this.targetMs(1);
        if (plainMs <= 0)
            return 0;
        const alpha = Math.min(0.999, this.acceptance(source, context));
        const draftMs = this.state(source).draftMsPerToken;
        let best = 1 / plainMs;
        for (let k = 1; k <= maxDraft; k++)
            best = Math.max(best, ((1 - Math.pow(alpha, k + 1)) / (1 - alpha)) / (k * draftMs + this.targetMs(k + 1)));
        return best;
    }

    /** Whether the payoff ledger has stopped `source` in `context` (reads only; see {@link payoff}). */
    public vetoed(source: DraftSource, context: RoundContext | undefined): boolean {
        if (!this.options.adaptive)
            return false;
        return this.ledger.stopped(this.ledgerKeyFor(source, context));
    }

    /**
     * Moves `source`'s acceptance estimate (and, with `context`, its estimate in that context, which
     * starts from the overall one) towards a round that proposed `drafted` tokens and kept the first
     * `accepted`, by the `smoothing` weight.
     */
    public recordAcceptance(drafted: number, accepted: number, source: DraftSource = "model", context?: RoundContext): void {
        if (drafted <= 0)
            return;
        const state = this.state(source);
        const w = this.options.smoothing ?? 0.1;
        const rejected = accepted < drafted ? 1 : 0;
        const update = (estimate: AcceptanceEstimate) => {
            estimate.acceptedEma = (1 - w) * estimate.acceptedEma + w * accepted;
            estimate.rejectedEma = (1 - w) * estimate.rejectedEma + w * rejected;
            estimate.rounds++;
        };
        update(state.overall);
        if (context != null) {
            let specific = state.byContext.get(context);
            if (specific == null) {
                // Start from what the source does overall rather than from the neutral prior.
                specific = { ...state.overall, rounds: 0 };
                state.byContext.set(context, specific);
            }
            update(specific);
        }
    }

    /** Moves `source`'s drafting cost per token towards `ms` / `evals` (draft-model calls or lookups), 20 % a sample. */
    public recordDraftCost(evals: number, ms: number, source: DraftSource = "model"): void {
        if (evals <= 0)
            return;
        const state = this.state(source);
        const perToken = ms / evals;
        state.draftMsPerToken = state.draftMsPerToken === 0 ? perToken : 0.8 * state.draftMsPerToken + 0.2 * perToken;
    }

    /** Moves the target's cost for a batch of `batchSize` tokens towards `ms`, 20 % a sample (see targetMs). */
    public recordTargetCost(batchSize: number, ms: number): void {
        const previous = this.targetMsByBatch.get(batchSize);
        this.targetMsByBatch.set(batchSize, previous == null ? ms : 0.8 * previous + 0.2 * ms);
        if (previous == null) {
            this.measuredSizes.push(batchSize);
            this.measuredSizes.sort((a, b) => a - b);
        }
    }

    /**
     * Whether the controller still needs the cost of a plain one-token eval — what every proposal is
     * weighed against — before its choices mean anything (adaptive only). The engine then decodes
     * one round without drafting.
     */
    public needsPlainCost(): boolean {
        return this.options.adaptive && !this.targetMsByBatch.has(1);
    }

    /**
     * The largest target batch (pending token included) estimated to take at most `ms`, up to
     * `limit`; undefined before any batch has been measured. At least 1.
     */
    public largestBatchWithin(ms: number, limit = 256): number | undefined {
        if (this.targetMsByBatch.size === 0)
            return undefined;
        let batch = 1;
        while (batch < limit && this.targetMs(batch + 1) <= ms)
            batch++;
        return batch;
    }

    /**
     * The ledger record a decision about `source` in `context` reads: the context's own once it has
     * enough rounds, else the source's. A round without a context (the one before drafted nothing) has
     * no record of its own: that state is made by the ledger's own skips and by rounds the cost model
     * cut to nothing, so a record of it fed on its own decisions — once stopped, every later round was
     * in it again, and a model whose other rounds paid stayed stopped (one of three identical engines
     * on the code pair skipped 368 rounds that way and ended at 1.06× where the other two reached
     * 1.20–1.22×).
     */
    private ledgerKeyFor(source: DraftSource, context: RoundContext | undefined): string {
        if (context == null)
            return source;
        const specific = ledgerKey(source, context);
        return this.ledger.measuredRounds(specific) >= MIN_CONTEXT_ROUNDS ? specific : source;
    }

    private state(source: DraftSource): SourceState {
        let state = this.sources.get(source);
        if (state == null) {
            state = { overall: priorEstimate(source), byContext: new Map(), draftMsPerToken: 0, roundsSinceProbe: 0 };
            this.sources.set(source, state);
        }
        return state;
    }

    /** Measured cost of a batch, else interpolated from measured sizes, else a prior of +25 % a token. */
    public targetMs(batchSize: number): number {
        const known = this.targetMsByBatch.get(batchSize);
        if (known != null)
            return known;
        const sizes = this.measuredSizes;
        if (sizes.length === 0)
            return 0;
        let below = sizes[0];
        let above: number | undefined;
        for (const size of sizes)
            if (size <= batchSize)
                below = size;
            else if (above == null)
                above = size;
        const belowMs = this.targetMsByBatch.get(below)!;
        if (above == null || below > batchSize) {
            const perExtraToken = sizes.length >= 2
                ? Math.max(0, (this.targetMsByBatch.get(sizes[sizes.length - 1])! - this.targetMsByBatch.get(sizes[0])!) /
                    Math.max(1, sizes[sizes.length - 1] - sizes[0]))
                : belowMs * 0.25;
            return belowMs + perExtraToken * (batchSize - below);
        }
        const aboveMs = this.targetMsByBatch.get(above)!;
        return belowMs + (aboveMs - belowMs) * (batchSize - below) / (above - below);
    }
}

/** The payoff ledger keeps one record per source and one per source in each round context. */
function ledgerKey(source: DraftSource, context: RoundContext): string {
    return `${source}/${context}`;
}

/**
 * Where an estimate starts, before the first rounds replace it (each round weighs 10 %): α = 0.6 for
 * the draft model and short-match copies, so the first rounds draft a moderate amount; higher for
 * copies behind longer matches (0.8, 0.9, 0.95) and a next-edit window's copy (0.95), which are right far more often — from a neutral
 * start, a source below break-even drafts nothing and would learn only from rare probes.
 */
function priorEstimate(source: DraftSource): AcceptanceEstimate {
    const alpha = source === "ngram8" ? 0.8 : source === "ngram16" ? 0.9 : source === "ngram32" || source === "copy" ? 0.95 : 0.6;
    return { acceptedEma: 5 * alpha, rejectedEma: 5 * (1 - alpha), rounds: 0 };
}
