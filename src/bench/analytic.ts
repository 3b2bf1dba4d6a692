/**
 * The textbook model of speculative decoding (Leviathan et al. 2023), with the target's cost taken
 * from a measured batch-cost curve instead of assumed constant: on a CPU, verifying K+1 tokens costs
 * noticeably more than decoding one.
 */

/** Expected tokens committed per round with per-token acceptance α and K drafted tokens: (1 − α^(K+1)) / (1 − α). */
export function expectedTokensPerRound(alpha: number, k: number): number {
    const a = clamp(alpha, 0, 1);
    if (k <= 0)
        return 1;
    if (a >= 1 - 1e-12)
        return k + 1;
    return (1 - Math.pow(a, k + 1)) / (1 - a);
}

/**
 * The measured acceptance rate (accepted ÷ drafted, where every drafted token counts, also those
 * after the first rejection) of rounds of K drafts, as a function of α: α(1 − α^K) / (K(1 − α)).
 */
export function acceptanceRateOf(alpha: number, k: number): number {
    if (k <= 0)
        return 0;
    return (expectedTokensPerRound(alpha, k) - 1) / k;
}

/** Inverts {@link acceptanceRateOf}: the per-token α that explains a measured acceptance rate at K (K may be fractional). */
export function alphaFromAcceptanceRate(rate: number, k: number): number {
    if (!(k > 0) || !(rate > 0))
        return 0;
    if (rate >= 1)
        return 1;
    let low = 0;
    let high = 1;
    for (let i = 0; i < 60; i++) {
        const mid = (low + high) / 2;
        if (acceptanceRateOf(mid, k) < rate)
            low = mid;
        else
            high = mid;
    }
    return (low + high) / 2;
}

/** A target cost curve: ms for a batch of b tokens, linear between measured sizes and beyond the last two. */
export class BatchCostCurve {
    private readonly points: Array<{ size: number; ms: number }>;

    public constructor(points: ReadonlyArray<{ size: number; ms: number }>) {
        this.points = [...points].filter((point) => point.size >= 1 && Number.isFinite(point.ms)).sort((a, b) => a.size - b.size);
        if (this.points.length === 0)
            throw new Error("a batch cost curve needs at least one point");
    }

    public get measured(): ReadonlyArray<{ size: number; ms: number }> {
        return this.points;
    }

    public ms(size: number): number {
        const points = this.points;
        if (points.length === 1)
            return points[0].ms * Math.max(1, size) / points[0].size;
        let lower = points[0];
        let upper = points[1];
        for (let i = 1; i < points.length; i++) {
            upper = points[i];
            lower = points[i - 1];
            if (points[i].size >= size)
                break;
        }
        if (size <= points[0].size) {
            lower = points[0];
            upper = points[1];
        }
        return lower.ms + (upper.ms - lower.ms) * (size - lower.size) / (upper.size - lower.size);
    }
}

export interface ExpectedSpeedupInput {
    /** Per-token acceptance probability α. */
    readonly alpha: number;
    /** Tokens drafted per round (may be a mean, hence fractional). */
    readonly k: number;
    /** Draft cost per drafted token, ms (0 for prompt lookup). */
    readonly draftMsPerToken: number;
    readonly target: BatchCostCurve;
}

/**
 * Expected speedup over target-alone decoding: E[tokens] · c_target(1) / (K · c_draft + c_target(K+1)).
 * The ceiling as K grows with free verification would be 1 / (1 − α); the batch-cost curve caps it lower.
 */
export function expectedSpeedup(input: ExpectedSpeedupInput): number {
    const { alpha, k, draftMsPerToken, target } = input;
    const roundMs = Math.max(0, k) * draftMsPerToken + target.ms(Math.max(0, k) + 1);
    return roundMs > 0 ? expectedTokensPerRound(alpha, k) * target.ms(1) / roundMs : 0;
}

/** Best speedup any fixed K ≤ maxK could reach at acceptance α on this cost curve, and that K. */
export function bestFixedK(alpha: number, maxK: number, draftMsPerToken: number, target: BatchCostCurve): { k: number; speedup: number } {
    let best = { k: 0, speedup: 1 };
    for (let k = 1; k <= maxK; k++) {
        const speedup = expectedSpeedup({ alpha, k, draftMsPerToken, target });
        if (speedup > best.speedup)
            best = { k, speedup };
    }
    return best;
}

function clamp(value: number, low: number, high: number): number {
    return Math.min(high, Math.max(low, value));
}

/**
 * The speedup ceiling at full acceptance with unbounded K: each extra verified token costs the
 * curve's marginal cost plus one draft eval, so the rate tends to c_target(1) / (marginal + c_draft).
 */
export function fullAcceptanceLimit(target: BatchCostCurve, draftMsPerToken: number): number {
    const points = target.measured;
    const last = points[points.length - 1];
    const first = points[0];
    const marginal = last.size > first.size ? (last.ms - first.ms) / (last.size - first.size) : 0;
    const perToken = marginal + draftMsPerToken;
    return perToken > 0 ? target.ms(1) / perToken : Infinity;
}
