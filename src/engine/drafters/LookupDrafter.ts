import { lookupSourceFor, type LookupSource } from "../DraftLengthController";
import type { Token } from "../llamaTypes";
import { draftLength, noProposal, type Drafter, type DraftRound, type Proposal } from "./Drafter";
import { PromptLookup } from "./PromptLookup";
import type { TokenPool } from "./TokenPool";

/** A lookup's find: what to copy, how long the match behind it is, and so which acceptance estimate it uses. */
export interface LookupFind {
    readonly tokens: Token[];
    readonly matchLength: number;
    readonly source: LookupSource;
}

export interface LookupSettings {
    /** Earlier requests' prompts and output, asked for each request; undefined looks only at this request's history. */
    readonly pool?: () => TokenPool | undefined;
    /** Most tokens a copy after a match of 16 or more tokens may propose in one round (the controller still chooses within it). Defaults to 64. */
    readonly longDraftMax?: number;
    /** Shortest match in the pool worth copying (the pool is broader than one prompt, so short matches are noise). Defaults to 8. */
    readonly poolMinMatch?: number;
}

/**
 * Drafting by copying: when the text before the cursor occurred before — earlier in this prompt or
 * this completion, or (with a pool) in what earlier requests saw and wrote — propose what followed it
 * then. A copy costs no model eval. The longer the match, the likelier the copy is right, so each
 * match length keeps its own acceptance estimate (see DraftSource), and long matches may draft longer
 * runs than the user's K.
 */
export class LookupDrafter implements Drafter {
    private readonly prompt = new PromptLookup();
    private readonly longDraftMax: number;
    private readonly poolMinMatch: number;
    private pool: TokenPool | undefined;

    public constructor(
        private readonly settings: LookupSettings,
        private readonly isUsable: (token: Token) => "yes" | "last" | "no"
    ) {
        this.longDraftMax = settings.longDraftMax ?? 64;
        this.poolMinMatch = settings.poolMinMatch ?? 8;
    }

    public async begin(history: readonly Token[]): Promise<void> {
        this.prompt.reset(history);
        this.pool = this.settings.pool?.();
    }

    /** The best copy on offer this round, or undefined. The pool is consulted only when greedy (see DraftRound.greedy). */
    public find(round: DraftRound): LookupFind | undefined {
        const max = Math.min(round.limit, Math.max(round.draftMax, this.longDraftMax));
        const own = this.prompt.propose(max);
        let best = own.tokens.length > 0 ? own : undefined;
        const pool = this.pool;
        if (pool != null && round.greedy) {
            const earlier = pool.lookup(round.history, max, this.poolMinMatch);
            if (earlier.tokens.length > 0 && (best == null || earlier.matchLength > best.matchLength))
                best = earlier;
        }
        if (best == null)
            return undefined;
        return { tokens: best.tokens, matchLength: best.matchLength, source: lookupSourceFor(best.matchLength) };
    }

    /**
     * Turns a find into this round's proposal, cut before a token the target cannot take. Its length is
     * the controller's choice for the find's source, except after a match of 32 or more tokens whose
     * copies have been accepted ≥ 90 % of the time (greedy): then the whole continuation on offer, up to
     * `longDraftMax` — a long batch that is all accepted costs far less per token than the single
     * evals it replaces (close to prompt processing's cost per token), which the controller, knowing
     * only the batch sizes it has tried, would not find out.
     */
    public proposalFrom(find: LookupFind, round: DraftRound): Proposal {
        // Copies of this kind have cost more than they saved here lately (PayoffLedger): copy nothing.
        if (round.greedy && round.controller.payoff(find.source, round.context) === "skip")
            return noProposal(find.source);
        const long = Math.max(round.draftMax, this.longDraftMax);
        const trusted = round.greedy && find.source === "ngram32" && round.controller.acceptance("ngram32", round.context) >= 0.9;
        const wanted = trusted ? Math.min(round.limit, long)
            : draftLength(round, find.source, find.source === "ngram16" || find.source === "ngram32" ? long : round.draftMax);
        const tokens: Token[] = [];
        for (const token of find.tokens.slice(0, wanted)) {
            const usable = this.isUsable(token);
            if (usable === "no")
                break;
            tokens.push(token);
            if (usable === "last")
                break;
        }
        // A copy is a certain proposal: q is one-hot, which speculative sampling handles exactly.
        return { source: find.source, tokens, distributions: tokens.map((token) => new Map([[token, 1]])) };
    }

    public async propose(round: DraftRound): Promise<Proposal> {
        const find = this.find(round);
        return find != null ? this.proposalFrom(find, round) : noProposal("ngram");
    }

    public async afterRound(): Promise<void> {}

    /** The pool learns the request's prompt and everything it committed. */
    public end(history: readonly Token[]): void {
        this.pool?.add(history);
    }
}
