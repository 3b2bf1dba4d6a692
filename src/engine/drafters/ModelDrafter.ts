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
        const wanted = retry ? Math.min(round.limit, round.controller.probeLength("model", round.draftMax))
            : after == null ? draftLength(round, "model") : Math.min(round.limit, round.draftMax);
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
        let evals = 0;
        let reach = after?.reach ?? 1;
        // Until a confidence band has evidence, a token is as likely to be kept as the model's tokens have been here.
        const usual = round.greedy ? controller.acceptance("model", round.context) : 1;
        while (tokens.length < wanted && !round.signal.aborted) {
            const last = input.length - 1;
            // A confidence floor set by the user needs the confidence whatever it costs.
            const askConfidence = round.greedy && (floor > 0 || this.confidencePrice.ask());
            const items: ControlledEvaluateInputItem[] = input.map((token, index) => index < last
                ? token
                : [token, { generateNext: round.greedy ? { token: true, confidence: askConfidence } : { probabilities: true, options: round.sampling } }]);
            const evalCost = round.costClock();
            const results = await draft.evaluate(items);
            if (round.greedy && input.length === 1)
                this.confidencePrice.record(askConfidence, evalCost());
            evals++;
            const next = results[last]?.next;
            let token: Token | undefined;
            if (round.greedy) {
                token = next?.token ?? undefined;
                if (token != null && floor > 0 && (next?.confidence ?? 1) < floor)
                    token = undefined;
            } else if (next?.probabilities != null && next.probabilities.size > 0) {
                token = sampleFrom(next.probabilities, round.random);
                distributions.push(next.probabilities);
            }
            if (token == null || token >= this.targetVocabularySize)
                break;
            tokens.push(token);
            if (round.greedy) {
                const confidence = askConfidence ? next?.confidence ?? 0 : undefined;
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
        controller.recordDraftCost(evals, cost(), "model");
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
            return noProposal("model");
        return {
            source: "model",
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
