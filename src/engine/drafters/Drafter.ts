import type { RequestStats } from "../../common/CompletionTypes";
import type { CostClock } from "../costClock";
import type { DraftLengthController, DraftSource, RoundContext } from "../DraftLengthController";
import type { Token } from "../llamaTypes";
import type { Distribution, SeededRandom } from "../speculativeSampling";

/** One round's drafts, with the distribution each was drawn from (one-hot for a copy). */
export interface Proposal {
    readonly source: DraftSource;
    readonly tokens: Token[];
    readonly distributions: Distribution<Token>[];
    /**
     * Draft-model evals this round spent, whether or not any of their tokens are proposed (a round whose
     * drafts were all cut still paid for them). Absent or 0 when the draft model did not run: a round
     * that neither drafted nor spent anything says nothing about what drafting earns.
     */
    readonly draftEvals?: number;
    /**
     * Of the round's drafting time, what the draft model spent catching up on the prompt (its cache was
     * behind: no warm-up ran, or the cursor moved), measured by the round's cost clock: paid once a
     * request, it is prompt processing, not a cost of this round's proposals.
     */
    readonly catchUpMs?: number;
    /**
     * The draft model's part of the proposal: its tokens start at `from` (0 for a draft-model round,
     * the copy's length when the model continued a lookup copy), with the model's confidence in each
     * (greedy only; empty otherwise). Absent when the model proposed nothing.
     */
    readonly model?: {
        readonly from: number;
        readonly confidences: readonly number[];
        /**
         * Set on a retry of a stopped draft model: it is verified uncut, so that every confidence band
         * is judged, while the usual round would have verified only the first `policyLength` tokens
         * (the prefix the calibration chose). The payoff ledger is charged what that round would have
         * earned: a retry measures the policy, not the exploration.
         */
        readonly probe?: { readonly policyLength: number };
    };
}

export interface SamplingSettings {
    readonly temperature: number;
    readonly topK: number;
    readonly topP: number;
    readonly minP: number;
}

/** Everything a drafter may use to propose one round's tokens. */
export interface DraftRound {
    /** Prompt and committed tokens; the last one is pending (not yet in the target's KV cache). */
    readonly history: readonly Token[];
    /** Most tokens to propose (the target adds one more itself). Always ≥ 1. */
    readonly limit: number;
    /** Temperature 0. With sampling, proposals must not depend on timings or earlier requests, so a seed reproduces a completion. */
    readonly greedy: boolean;
    readonly sampling: SamplingSettings;
    readonly random: SeededRandom;
    readonly signal: AbortSignal;
    readonly stats: RequestStats;
    /** How the previous round went (for the acceptance estimates); undefined after a round without drafts. */
    readonly context: RoundContext | undefined;
    readonly controller: DraftLengthController;
    /** The user's K (the bound of the adaptive length). */
    readonly draftMax: number;
    /** Stop a draft-model round once its confidence falls below this (greedy only; 0 = never). */
    readonly draftConfidence: number;
    /** What drafting costs are measured with for the controller (see costClock.ts); wall time for the stats. */
    readonly costClock: CostClock;
}

/**
 * A drafting strategy: proposes tokens for the target to verify. Every strategy keeps the output
 * exact — the target decides every token — so they differ only in speed. The engine calls `begin`
 * once a request's prompt is in the target's cache, `propose` and `afterRound` each round, and
 * `end` when the request is over, whatever stopped it.
 */
export interface Drafter {
    begin(history: readonly Token[]): Promise<void>;
    /**
     * A warm-up request (prefill only): bring whatever the strategy evaluates into its cache now, so
     * that the first round of the request that follows does not process the prompt on the user's time.
     */
    warm?(history: readonly Token[], signal: AbortSignal): Promise<void>;
    propose(round: DraftRound): Promise<Proposal>;
    /** `history` now holds the round's committed tokens; the first `accepted` proposals were kept. */
    afterRound(history: readonly Token[], proposal: Proposal, accepted: number): Promise<void>;
    /** `history` is the prompt (`promptLength` tokens) and everything the request committed. */
    end(history: readonly Token[], promptLength: number): void;
}

export const noProposal = (source: DraftSource): Proposal => ({ source, tokens: [], distributions: [] });

/**
 * Whether a round's proposal tells the payoff ledger anything: it proposed tokens, or its draft model
 * spent evals on tokens that were all cut. A round where nothing was drafted cost what the target
 * alone costs; recorded, its timing noise would drag a stopped source's record towards zero and keep
 * it stopped.
 */
export function spentDrafting(proposal: Proposal): boolean {
    return proposal.tokens.length > 0 || (proposal.draftEvals ?? 0) > 0;
}

/** The proposal's first `length` tokens, with the draft model's part (and a retry's policy length) cut to match. */
export function truncateProposal(proposal: Proposal, length: number): Proposal {
    if (length >= proposal.tokens.length)
        return proposal;
    const model = proposal.model;
    const keepsModel = model != null && length > model.from;
    return {
        source: proposal.source,
        ...(proposal.draftEvals != null ? { draftEvals: proposal.draftEvals } : {}),
        ...(proposal.catchUpMs != null ? { catchUpMs: proposal.catchUpMs } : {}),
        tokens: proposal.tokens.slice(0, length),
        distributions: proposal.distributions.slice(0, length),
        ...(keepsModel
            ? {
                model: {
                    from: model.from,
                    confidences: model.confidences.slice(0, length - model.from),
                    ...(model.probe != null ? { probe: { policyLength: Math.min(model.probe.policyLength, length - model.from) } } : {})
                }
            }
            : {})
    };
}

/** The draft length for `source` this round: the controller's choice when greedy, else the user's K. */
export function draftLength(round: DraftRound, source: DraftSource, max = round.draftMax): number {
    return Math.min(round.limit, round.greedy ? round.controller.next(source, round.context, max) : round.draftMax);
}
