import type { Token } from "../llamaTypes";
import type { Drafter, DraftRound, Proposal } from "./Drafter";
import type { LookupDrafter } from "./LookupDrafter";
import type { ModelDrafter } from "./ModelDrafter";

/**
 * Each round, a copy when lookup finds one and copies of that kind (short or long match) have been
 * accepted about as often as the draft model's tokens — a copy costs no eval — otherwise the draft
 * model.
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

    public async propose(round: DraftRound): Promise<Proposal> {
        const find = this.lookup.find(round);
        if (find != null) {
            const preferred = !round.greedy ||
                round.controller.acceptance(find.source, round.context) >= round.controller.acceptance("model", round.context) - 0.05;
            if (preferred) {
                const copy = this.lookup.proposalFrom(find, round);
                // The controller may find a copy of this kind not worth verifying now; the model may still be.
                if (copy.tokens.length > 0)
                    return copy;
            }
        }
        return await this.model.propose(round);
    }

    public async afterRound(history: readonly Token[], proposal: Proposal): Promise<void> {
        await this.model.afterRound(history, proposal);
    }

    public end(history: readonly Token[]): void {
        this.lookup.end(history);
    }
}
