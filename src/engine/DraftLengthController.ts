/**
 * Chooses how many tokens to draft next round (K) from what this machine and these models actually
 * do: the per-token acceptance α observed so far, the draft's cost per token, and the target's cost
 * for a batch of b tokens. It picks the K that maximises expected tokens per millisecond,
 *   E[tokens] = (1 − α^(K+1)) / (1 − α),  cost = K·c_draft + c_target(K+1),
 * and drafts nothing when no K beats plain decoding (with an occasional probe so α stays current).
 */
export class DraftLengthController {
    private acceptedEma: number;
    private rejectedEma: number;
    private draftMsPerToken = 0;
    private readonly targetMsByBatch = new Map<number, number>();
    private roundsSinceProbe = 0;

    public constructor(
        private readonly options: {
            readonly maxDraft: number;
            readonly adaptive: boolean;
            /** Weight of a new observation in the moving averages. Defaults to 0.1. */
            readonly smoothing?: number;
            /** Rounds of plain decoding between probes when speculation does not pay. Defaults to 8. */
            readonly probeInterval?: number;
        }
    ) {
        // A neutral prior (α = 0.6) so the first rounds draft a moderate amount.
        this.acceptedEma = 3;
        this.rejectedEma = 2;
    }

    /** Estimated probability that the next drafted token is accepted. */
    public get acceptance(): number {
        return this.acceptedEma / Math.max(1e-9, this.acceptedEma + this.rejectedEma);
    }

    /** Draft length for the next round, 0 … maxDraft. */
    public next(): number {
        const maxDraft = this.options.maxDraft;
        if (maxDraft <= 0)
            return 0;
        if (!this.options.adaptive)
            return maxDraft;
        const costOne = this.targetMs(1);
        if (costOne <= 0)
            return Math.min(maxDraft, 4);
        const alpha = Math.min(0.999, this.acceptance);
        let bestK = 0;
        let bestRate = 1 / costOne;
        for (let k = 1; k <= maxDraft; k++) {
            const expected = (1 - Math.pow(alpha, k + 1)) / (1 - alpha);
            const rate = expected / (k * this.draftMsPerToken + this.targetMs(k + 1));
            if (rate > bestRate * 1.02) {
                bestRate = rate;
                bestK = k;
            }
        }
        if (bestK === 0) {
            this.roundsSinceProbe++;
            if (this.roundsSinceProbe >= (this.options.probeInterval ?? 8)) {
                this.roundsSinceProbe = 0;
                return Math.min(2, maxDraft);
            }
        }
        return bestK;
    }

    /** Record a round: `drafted` proposals of which the first `accepted` were kept. */
    public recordAcceptance(drafted: number, accepted: number): void {
        if (drafted <= 0)
            return;
        const w = this.options.smoothing ?? 0.1;
        const rejected = accepted < drafted ? 1 : 0;
        this.acceptedEma = (1 - w) * this.acceptedEma + w * accepted;
        this.rejectedEma = (1 - w) * this.rejectedEma + w * rejected;
    }

    public recordDraftCost(tokens: number, ms: number): void {
        if (tokens <= 0)
            return;
        const perToken = ms / tokens;
        this.draftMsPerToken = this.draftMsPerToken === 0 ? perToken : 0.8 * this.draftMsPerToken + 0.2 * perToken;
    }

    public recordTargetCost(batchSize: number, ms: number): void {
        const previous = this.targetMsByBatch.get(batchSize);
        this.targetMsByBatch.set(batchSize, previous == null ? ms : 0.8 * previous + 0.2 * ms);
    }

    /** Measured cost of a batch, else interpolated from measured sizes, else a prior of +25 % a token. */
    private targetMs(batchSize: number): number {
        const known = this.targetMsByBatch.get(batchSize);
        if (known != null)
            return known;
        const sizes = [...this.targetMsByBatch.keys()].sort((a, b) => a - b);
        if (sizes.length === 0)
            return 0;
        let below = sizes[0];
        let above: number | undefined;
        for (const size of sizes) {
            if (size <= batchSize)
                below = size;
            else if (above == null)
                above = size;
        }
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
