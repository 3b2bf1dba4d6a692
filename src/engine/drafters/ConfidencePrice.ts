/**
 * Whether asking for the draft model's confidence in its token is worth what it costs.
 *
 * node-llama-cpp 3.21.1 computes a greedy token's confidence by sorting the whole vocabulary's logits
 * (`std::sort` in AddonContext's SampleToken, for a value that needs one pass): measured on this
 * project's code draft (8 192 tokens), a draft eval costs 0.33–0.44 ms of CPU without it and
 * 0.91–1.03 ms with it; on a real pair's 151 936-token vocabulary the sort alone is about 20 times
 * that. The drafter therefore asks for the draft's top-k probabilities instead (ModelDrafter's
 * CONFIDENCE_REQUEST: a partial sort, within the noise of a plain eval on the code draft). The
 * confidence feeds the calibration (ConfidenceCalibration) that cuts unlikely tokens, which would be
 * worth little if it doubled the cost of every draft token. So the drafter still measures both prices
 * on this machine and this model — a few single-token evals each way, again every few hundred evals —
 * and asks for confidence only while it adds at most {@link MAX_OVERHEAD} to a draft eval. Without
 * it, a draft token is valued at the model's running acceptance, as before any band has evidence.
 */
const MAX_OVERHEAD = 0.25;
/** Single-token evals timed each way before deciding, and between re-checks. */
const SAMPLES = 3;
const RECHECK_EVALS = 256;

export class ConfidencePrice {
    private readonly withConfidence: number[] = [];
    private readonly without: number[] = [];
    private evalsSinceCheck = 0;
    private worth = true;

    /** Whether the next single-token draft eval should ask for confidence. */
    public ask(): boolean {
        if (this.withConfidence.length < SAMPLES || this.without.length < SAMPLES)
            return this.withConfidence.length <= this.without.length;
        if (this.evalsSinceCheck >= RECHECK_EVALS) {
            this.withConfidence.length = 0;
            this.without.length = 0;
            this.evalsSinceCheck = 0;
            return true;
        }
        return this.worth;
    }

    /** Records a single-token draft eval's cost (catch-up evals of several tokens say nothing about the price). */
    public record(askedConfidence: boolean, costMs: number): void {
        if (!Number.isFinite(costMs) || costMs < 0)
            return;
        this.evalsSinceCheck++;
        const samples = askedConfidence ? this.withConfidence : this.without;
        if (samples.length >= SAMPLES)
            return;
        samples.push(costMs);
        if (this.withConfidence.length >= SAMPLES && this.without.length >= SAMPLES)
            this.worth = median(this.withConfidence) <= (1 + MAX_OVERHEAD) * median(this.without);
    }

    /** Whether confidence is asked for outside the measuring evals (reads only). */
    public get worthIt(): boolean {
        return this.worth;
    }
}

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}
