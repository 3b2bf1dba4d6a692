import type { Token } from "../llamaTypes";
import { draftLength, type Drafter, type DraftRound, type Proposal } from "./Drafter";

/** Most tokens one copy round proposes (the controller chooses within it, and the round's limit caps it). */
const copyDraftMax = 64;
/** Longest output suffix tried when re-aligning; longer matches are preferred. */
const maxAlignLength = 8;
/** How far behind / ahead of where the copy was expected to continue a re-alignment may land. */
const alignBehind = 4;
const alignAhead = 32;
/** A one-token match re-aligns only this close to the expected position (one token is weak evidence). */
const singleTokenReach = 2;

/**
 * Speculative edits: a rewrite of a window of text mostly copies it, so the window itself is the
 * draft. The drafter keeps where the output stands in the source (the current window's tokens):
 * while the output copies it, the next source tokens are proposed; where the output departs (an
 * edit), it re-aligns once the output's last tokens are found again in the source near where the
 * copy was (after an insertion, a deletion or a replacement), and meanwhile the fallback drafter
 * (the draft model, or lookup) proposes. The target verifies every proposal, so the output is the
 * target's whatever the copy proposes.
 */
export class CopyDrafter implements Drafter {
    private promptLength = 0;
    /** Index in `source` of the token the output should continue with; -1 when not aligned. */
    private next = 0;
    /** Where the copy was expected to continue when it last lost alignment (the re-alignment's anchor). */
    private anchor = 0;
    private seen = 0;

    /**
     * @param source the text to copy, tokenized (an end-of-text token after it proposes the end too)
     * @param fallback proposes while the output is not aligned with the source
     * @param isUsable as for lookup: a copy stops before a token the target lacks, after an end token
     */
    public constructor(
        private readonly source: readonly Token[],
        private readonly fallback: Drafter | undefined,
        private readonly isUsable: (token: Token) => "yes" | "last" | "no"
    ) {}

    public async begin(history: readonly Token[]): Promise<void> {
        this.promptLength = history.length;
        this.next = 0;
        this.anchor = 0;
        this.seen = 0;
        await this.fallback?.begin(history);
    }

    public async warm(history: readonly Token[], signal: AbortSignal): Promise<void> {
        await this.fallback?.warm?.(history, signal);
    }

    public async propose(round: DraftRound): Promise<Proposal> {
        this.follow(round.history);
        if (this.next >= 0 && this.next < this.source.length) {
            const wanted = draftLength(round, "copy", Math.max(round.draftMax, copyDraftMax));
            const tokens: Token[] = [];
            for (let i = this.next; i < this.source.length && tokens.length < wanted; i++) {
                const usable = this.isUsable(this.source[i]);
                if (usable === "no")
                    break;
                tokens.push(this.source[i]);
                if (usable === "last")
                    break;
            }
            if (tokens.length > 0)
                return { source: "copy", tokens, distributions: tokens.map((token) => new Map([[token, 1]])) };
        }
        return this.fallback != null ? await this.fallback.propose(round) : { source: "copy", tokens: [], distributions: [] };
    }

    public async afterRound(history: readonly Token[], proposal: Proposal, accepted: number): Promise<void> {
        await this.fallback?.afterRound(history, proposal, accepted);
    }

    public end(history: readonly Token[], promptLength: number): void {
        this.fallback?.end(history, promptLength);
    }

    /** Advances the alignment over the output committed since the last call. */
    private follow(history: readonly Token[]): void {
        // The last history token is pending but committed: it is output.
        const output = history.slice(this.promptLength);
        for (; this.seen < output.length; this.seen++) {
            const token = output[this.seen];
            if (this.next >= 0 && this.source[this.next] === token) {
                this.next++;
                continue;
            }
            if (this.next >= 0) {
                this.anchor = this.next;
                this.next = -1;
            }
            this.next = this.realign(output.slice(0, this.seen + 1));
            if (this.next >= 0)
                this.anchor = this.next;
        }
    }

    /**
     * Where the source continues after `output`'s last tokens, near the anchor: the longest suffix
     * of the output found ending in [anchor − alignBehind, anchor + alignAhead], nearest the anchor;
     * -1 when none is.
     */
    private realign(output: readonly Token[]): number {
        const source = this.source;
        for (let length = Math.min(maxAlignLength, output.length); length >= 1; length--) {
            const reach = length === 1 ? singleTokenReach : alignAhead;
            const lowest = Math.max(length, this.anchor - (length === 1 ? singleTokenReach : alignBehind));
            const highest = Math.min(source.length, this.anchor + reach + 1);
            let best = -1;
            for (let end = lowest; end <= highest; end++) {
                let matches = true;
                for (let k = 1; k <= length && matches; k++)
                    matches = source[end - k] === output[output.length - k];
                if (matches && (best < 0 || Math.abs(end - this.anchor) < Math.abs(best - this.anchor)))
                    best = end;
            }
            if (best >= 0)
                return best;
        }
        return -1;
    }
}
