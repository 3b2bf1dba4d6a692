import type { ControlledEvaluateInputItem, Token } from "../llamaTypes";
import type { ModelRunner } from "../ModelRunner";
import { sampleFrom, type Distribution } from "../speculativeSampling";
import { draftLength, noProposal, type Drafter, type DraftRound, type Proposal } from "./Drafter";

/**
 * The small draft model proposes autoregressively: one eval per token after catching up on the
 * tokens committed since its last round, stopping early when its own confidence drops (greedy) and
 * at a token the target's vocabulary lacks or an end-of-generation token.
 */
export class ModelDrafter implements Drafter {
    public constructor(
        private readonly draft: ModelRunner,
        private readonly targetVocabularySize: number
    ) {}

    public async begin(history: readonly Token[]): Promise<void> {
        this.draft.resync();
        await this.draft.keepCommonPrefix(history, history.length - 1);
    }

    public async propose(round: DraftRound): Promise<Proposal> {
        const wanted = draftLength(round, "model");
        const tokens: Token[] = [];
        const distributions: Distribution<Token>[] = [];
        if (wanted <= 0)
            return noProposal("model");
        const started = performance.now();
        const draft = this.draft;
        const confidence = round.greedy && round.draftConfidence > 0 ? round.draftConfidence : 0;
        let input: Token[] = round.history.slice(draft.cachedTokens.length);
        let evals = 0;
        while (tokens.length < wanted && !round.signal.aborted) {
            const last = input.length - 1;
            const items: ControlledEvaluateInputItem[] = input.map((token, index) => index < last
                ? token
                : [token, { generateNext: round.greedy ? { token: true, confidence: confidence > 0 } : { probabilities: true, options: round.sampling } }]);
            const results = await draft.evaluate(items);
            evals++;
            const next = results[last]?.next;
            let token: Token | undefined;
            if (round.greedy) {
                token = next?.token ?? undefined;
                if (token != null && confidence > 0 && (next?.confidence ?? 1) < confidence)
                    token = undefined;
            } else if (next?.probabilities != null && next.probabilities.size > 0) {
                token = sampleFrom(next.probabilities, round.random);
                distributions.push(next.probabilities);
            }
            if (token == null || token >= this.targetVocabularySize)
                break;
            tokens.push(token);
            if (draft.model.isEogToken(token))
                break;
            input = [token];
        }
        const ms = performance.now() - started;
        round.stats.draftMs += ms;
        round.controller.recordDraftCost(evals, ms, "model");
        return { source: "model", tokens, distributions: distributions.slice(0, tokens.length) };
    }

    /** Drops what the draft evaluated past the committed tokens (its rejected proposals). */
    public async afterRound(history: readonly Token[], proposal: Proposal): Promise<void> {
        if (proposal.source === "model")
            await this.draft.keepCommonPrefix(history, history.length - 1);
    }

    public end(): void {}
}
