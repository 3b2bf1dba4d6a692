/**
 * How often the target keeps a draft-model token, as a function of the draft's own confidence in it
 * (its probability for the token it chose). llama.cpp stops drafting below a fixed minimum
 * probability; a fixed threshold is right for one pair and wrong for the next, so this table learns,
 * for this pair, what each confidence level is actually worth: per confidence band, the share of
 * drafted tokens the target accepted given that every token before them was accepted (the only ones
 * a verify tells us about).
 *
 * Until a band has seen {@link MIN_EVIDENCE} judged tokens, the caller's fallback is used (the draft
 * source's running acceptance): a fixed prior would be wrong for a draft whose confidences run low
 * while it is usually right, and a band whose tokens are always cut would never learn.
 */
const BAND_EDGES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1.01] as const;
const PRIOR_WEIGHT = 4;
/** Older observations fade: each new one in a band scales the band's counts by this. */
const DECAY = 0.98;
/** Judged tokens a band needs before its own estimate replaces the fallback. */
const MIN_EVIDENCE = 8;

interface Band {
    accepted: number;
    seen: number;
    observations: number;
}

export class ConfidenceCalibration {
    private readonly bands: Band[] = BAND_EDGES.map((upper, index) => {
        const lower = index === 0 ? 0 : BAND_EDGES[index - 1];
        const middle = Math.min(1, (lower + Math.min(1, upper)) / 2);
        return { accepted: PRIOR_WEIGHT * 0.8 * middle, seen: PRIOR_WEIGHT, observations: 0 };
    });

    /**
     * Estimated probability that a token drafted with this confidence is accepted (given its
     * predecessors were); `fallback` until the band has evidence of its own (without one, a prior of
     * 0.8 × confidence).
     */
    public acceptance(confidence: number, fallback?: number): number {
        const band = this.bands[bandOf(confidence)];
        if (band.observations < MIN_EVIDENCE && fallback != null)
            return fallback;
        return band.accepted / band.seen;
    }

    /**
     * Records a verified proposal: `confidences[i]` for each drafted token, the first `accepted` of them
     * kept. Tokens after the first rejected one were never judged and are left out.
     */
    public record(confidences: readonly number[], accepted: number): void {
        const judged = Math.min(confidences.length, accepted + 1);
        for (let i = 0; i < judged; i++) {
            const band = this.bands[bandOf(confidences[i])];
            band.accepted = band.accepted * DECAY + (i < accepted ? 1 : 0);
            band.seen = band.seen * DECAY + 1;
            band.observations++;
        }
    }
}

function bandOf(confidence: number): number {
    const value = Number.isFinite(confidence) ? Math.max(0, Math.min(1, confidence)) : 0;
    const index = BAND_EDGES.findIndex((upper) => value < upper);
    return index < 0 ? BAND_EDGES.length - 1 : index;
}
