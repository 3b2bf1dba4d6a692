import type { LookupSource } from "../DraftLengthController";
import type { Token } from "../llamaTypes";
import type { Drafter, DraftRound, Proposal } from "./Drafter";
import type { LookupDrafter } from "./LookupDrafter";
import type { ModelDrafter } from "./ModelDrafter";

/** A copy is continued by the draft model only when it is this likely to be accepted whole. */
const MIN_REACH_TO_CONTINUE = 0.5;

/**
 * Each round, a copy when lookup finds one and copies of that kind (short or long match) have been
 * accepted about as often as the draft model's tokens — a copy costs no eval — otherwise the draft
 * model. When greedy and the copy is likely to be accepted whole, the draft model continues from its
 * end in the same verify batch (llama-server's `draft-simple,ngram-mod`), as far as that pays.
 */
export class HybridDrafter implements Drafter {
    public constructor(
        private readonly lookup: LookupDrafter,
        private readonly model: ModelDrafter
    ) {}

    public async begin(history: readonly Token[]): Promise<void> {
        await this.lookup.begin(history);
        await this.model.begin(history);
    }

    public async warm(history: readonly Token[], signal: AbortSignal): Promise<void> {
        await this.model.warm(history, signal);
    }

    public async propose(round: DraftRound): Promise<Proposal> {
        const find = this.lookup.find(round);
        if (find != null && this.prefersCopy(find.source, find.tokens.length, round)) {
            const copy = this.lookup.proposalFrom(find, round);
            // The controller may find a copy of this kind not worth verifying now; the model may still be.
            if (copy.tokens.length > 0)
                return round.greedy ? await this.continued(copy, round) : copy;
        }
        return await this.model.propose(round);
    }

    /**
     * Sampling: always the copy (what a sampled round proposes must not depend on earlier requests or
     * timings, so that a seed reproduces a completion). Greedy: the source promising more tokens per millisecond — a copy
     * costs no draft eval, so it wins unless the model is clearly better here, and always when the
     * payoff ledger has stopped the model.
     */
    private prefersCopy(source: LookupSource, available: number, round: DraftRound): boolean {
        const controller = round.controller;
        if (!round.greedy)
            return true;
        if (controller.vetoed("model", round.context))
            return true;
        const copyRate = controller.expectedRate(source, round.context, Math.min(available, round.limit));
        const modelRate = controller.expectedRate("model", round.context, Math.min(round.draftMax, round.limit));
        if (copyRate === 0 || modelRate === 0)
            return controller.acceptance(source, round.context) >= controller.acceptance("model", round.context) - 0.05;
        return copyRate >= modelRate;
    }

    public async afterRound(history: readonly Token[]): Promise<void> {
        await this.lookup.afterRound();
        await this.model.afterRound(history);
    }

    public end(history: readonly Token[]): void {
        this.lookup.end(history);
        this.model.end();
    }

    /** The copy, with the draft model's continuation after it when that pays. */
    private async continued(copy: Proposal, round: DraftRound): Promise<Proposal> {
        const length = copy.tokens.length;
        const room = round.limit - length;
        if (room <= 0)
            return copy;
        const alpha = Math.min(0.999, round.controller.acceptance(copy.source, round.context));
        const reach = Math.pow(alpha, length);
        if (reach < MIN_REACH_TO_CONTINUE)
            return copy;
        const expected = (1 - Math.pow(alpha, length + 1)) / (1 - alpha);
        const extension = await this.model.propose({ ...round, history: [...round.history, ...copy.tokens], limit: room }, { length, reach, expected });
        if (extension.tokens.length === 0 || extension.model == null)
            return { ...copy, draftEvals: extension.draftEvals, catchUpMs: extension.catchUpMs };
        return {
            source: copy.source,
            draftEvals: extension.draftEvals,
            catchUpMs: extension.catchUpMs,
            tokens: [...copy.tokens, ...extension.tokens],
            distributions: [...copy.distributions, ...extension.distributions],
            model: { from: length, confidences: extension.model.confidences }
        };
    }
}
