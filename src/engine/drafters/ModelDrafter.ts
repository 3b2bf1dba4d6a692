import type { ControlledEvaluateInputItem, Token } from "../llamaTypes";
import type { ModelRunner } from "../ModelRunner";
import { sampleFrom, type Distribution } from "../speculativeSampling";
import { ConfidencePrice } from "./ConfidencePrice";
import { draftLength, noProposal, type Drafter, type DraftRound, type Proposal } from "./Drafter";

/**
 * What comes before the model's tokens in the verify batch when the model continues a lookup copy:
 * `length` copied tokens, all accepted with probability `reach`, worth `expected` committed tokens
 * on their own (the target's token included).
 */
export interface ContinuationOf {
    readonly length: number;
    readonly reach: number;
    readonly expected: number;
}

/**
 * How a greedy draft eval asks for its token with a confidence: the probabilities of the model's
 * CONFIDENCE_TOP_K most likely tokens, renormalised among them (temperature 1). node-llama-cpp 3.21.1
 * answers `confidence: true` by sorting the whole vocabulary (see ConfidencePrice), while its top-k
 * sampler only partially sorts: measured on the code draft, 0.40–0.62 ms CPU a draft eval with this
 * against 0.36–0.56 without any confidence and 0.91–1.50 with `confidence: true`. The token drafted is
 * the most likely of them (node-llama-cpp's sampled token is ignored): the greedy token, up to ties.
 * The confidence is an overestimate of the full-vocabulary probability, which the calibration, learnt
 * per pair from what the target kept, does not mind.
 */
const CONFIDENCE_TOP_K = 8;
/**
 * Tokens a round's first draft eval normally reads: the last accepted draft, which the draft model
 * proposed but never evaluated, and the target's own token after it. More than that is catch-up on
 * the prompt.
 */
const ROUND_CATCH_UP = 2;
const CONFIDENCE_REQUEST = { probabilities: true, options: { temperature: 1, topK: CONFIDENCE_TOP_K, topP: 1, minP: 0 } } as const;

/** The most likely token of a distribution and its probability; [undefined, undefined] when empty. */
export function mostLikely(probabilities: ReadonlyMap<Token, number> | undefined): [Token | undefined, number | undefined] {
    let best: Token | undefined;
    let bestProbability = -1;
    for (const [token, probability] of probabilities ?? [])
        if (probability > bestProbability) {
            best = token;
            bestProbability = probability;
        }
    return best == null ? [undefined, undefined] : [best, bestProbability];
}

/**
 * The small draft model proposes autoregressively: one eval per token after catching up on the
 * tokens committed since its last round, stopping at a token the target's vocabulary lacks or an
 * end-of-generation token.
 *
 * Greedy rounds are cost-aware: each token's confidence (the draft's probability for it) is turned
 * into an acceptance estimate learnt for this pair (ConfidenceCalibration); drafting stops once one
 * more token could not pay for its draft eval and its share of the verify, and only the prefix that
 * maximises expected tokens per millisecond is proposed — none at all when the target alone is
 * faster. Drafting is skipped outright while the payoff ledger says the model does not pay here.
 */
export class ModelDrafter implements Drafter {
    /** Whether node-llama-cpp's confidence is worth its price here (see ConfidencePrice). */
    public readonly confidencePrice = new ConfidencePrice();

    public constructor(
        private readonly draft: ModelRunner,
        private readonly targetVocabularySize: number
    ) {}

    public async begin(history: readonly Token[]): Promise<void> {
        this.draft.resync();
        await this.draft.keepCommonPrefix(history, history.length - 1);
    }

    /** Prompt processing for the draft model, on a warm-up instead of in the next request's first round. */
    public async warm(history: readonly Token[], signal: AbortSignal): Promise<void> {
        await this.draft.prefill(history.slice(this.draft.cachedTokens.length, history.length - 1), signal);
    }

    public async propose(round: DraftRound, after?: ContinuationOf): Promise<Proposal> {
        const payoff = round.greedy ? round.controller.payoff("model", round.context) : "draft";
        if (payoff === "skip")
            return noProposal("model");
        // A retry of a stopped model is a probe: it drafts what would pay for a good draft and is verified
        // uncut, so that the ledger and the estimates see whether the model pays again.
        const retry = payoff === "retry" && after == null;
        // With each token's confidence at hand, the round drafts until one more token could not pay
        // (worthDraftingAnother) and keeps the best prefix: acceptance comes in runs, and a length chosen
        // beforehand from the average acceptance drafts one token where a confident run of five pays.
        const guided = round.greedy && (round.draftConfidence > 0 || this.confidencePrice.worthIt);
        const wanted = retry ? Math.min(round.limit, round.controller.probeLength("model", round.draftMax))
            : after == null && !guided ? draftLength(round, "model") : Math.min(round.limit, round.draftMax);
        const tokens: Token[] = [];
        // The draft's confidence in each token (greedy), undefined where it was not asked for.
        const confidences: Array<number | undefined> = [];
        const acceptances: number[] = [];
        const distributions: Distribution<Token>[] = [];
        if (wanted <= 0)
            return noProposal("model");
        const started = performance.now();
        const cost = round.costClock();
        const draft = this.draft;
        const controller = round.controller;
        const floor = round.greedy ? round.draftConfidence : 0;
        let input: Token[] = round.history.slice(draft.cachedTokens.length);
        // A draft behind on the prompt (no warm-up ran, or the cursor moved) processes it first, timed
        // apart: prompt processing is paid once a request, and charged to this round it would make
        // one round look like a loss of many tokens and stop a model whose rounds pay.
        const behind = input.length - ROUND_CATCH_UP - (after?.length ?? 0);
        let catchUpMs = 0;
        if (behind > 0) {
            const catchUp = round.costClock();
            const ready = await draft.prefill(input.slice(0, behind), round.signal);
            catchUpMs = catchUp();
            input = input.slice(behind);
            if (!ready) {
                round.stats.draftMs += performance.now() - started;
                return { ...noProposal("model"), catchUpMs };
            }
        }
        let evals = 0;
        let reach = after?.reach ?? 1;
        // Until a confidence band has evidence, a token is as likely to be kept as the model's tokens have been here.
        const usual = round.greedy ? controller.acceptance("model", round.context) : 1;
        while (tokens.length < wanted && !round.signal.aborted) {
            const last = input.length - 1;
            // A confidence floor set by the user needs the exact confidence whatever it costs.
            const askConfidence = round.greedy && (floor > 0 || this.confidencePrice.ask());
            const items: ControlledEvaluateInputItem[] = input.map((token, index) => index < last
                ? token
                : [token, { generateNext: !round.greedy ? { probabilities: true, options: round.sampling } : floor > 0 ? { token: true, confidence: true } : askConfidence ? CONFIDENCE_REQUEST : { token: true } }]);
            const evalCost = round.costClock();
            const results = await draft.evaluate(items);
            if (round.greedy && input.length === 1)
                this.confidencePrice.record(askConfidence, evalCost());
            evals++;
            const next = results[last]?.next;
            let token: Token | undefined;
            let confidence: number | undefined;
            if (round.greedy) {
                if (floor > 0)
                    [token, confidence] = [next?.token ?? undefined, next?.confidence];
                else if (askConfidence)
                    [token, confidence] = mostLikely(next?.probabilities);
                else
                    token = next?.token ?? undefined;
                if (token != null && floor > 0 && (confidence ?? 1) < floor)
                    token = undefined;
            } else if (next?.probabilities != null && next.probabilities.size > 0) {
                token = sampleFrom(next.probabilities, round.random);
                distributions.push(next.probabilities);
            }
            if (token == null || token >= this.targetVocabularySize)
                break;
            tokens.push(token);
            if (round.greedy) {
                const acceptance = confidence != null ? controller.calibration.acceptance(confidence, usual) : usual;
                confidences.push(confidence);
                acceptances.push(acceptance);
                reach *= acceptance;
            }
            if (draft.model.isEogToken(token))
                break;
            if (round.greedy && !retry && !controller.worthDraftingAnother(reach, (after?.length ?? 0) + tokens.length))
                break;
            input = [token];
        }
        round.stats.draftMs += performance.now() - started;
        controller.recordDraftCost(evals, cost() - catchUpMs, "model");
        let policyLength: number | undefined;
        if (round.greedy) {
            const keep = after == null ? controller.bestPrefix(acceptances) : controller.bestExtension(after, acceptances);
            // A retry is verified uncut (every confidence band gets judged), but what it tells the
            // ledger is what the usual, cut round would have earned (see Proposal.model.probe).
            if (retry)
                policyLength = keep;
            else {
                tokens.length = keep;
                confidences.length = keep;
            }
        }
        // The calibration learns only from proposals whose every token has its confidence.
        const judged = confidences.every((confidence) => confidence != null) ? confidences as number[] : [];
        if (tokens.length === 0)
            return { ...noProposal("model"), draftEvals: evals, catchUpMs };
        return {
            source: "model",
            draftEvals: evals,
            catchUpMs,
            tokens,
            distributions: distributions.slice(0, tokens.length),
            model: { from: 0, confidences: judged, ...(policyLength != null ? { probe: { policyLength } } : {}) }
        };
    }

    /** Drops what the draft evaluated past the committed tokens (its rejected proposals, or a copy it continued). */
    public async afterRound(history: readonly Token[]): Promise<void> {
        await this.draft.keepCommonPrefix(history, history.length - 1);
    }

    public end(): void {}
}
