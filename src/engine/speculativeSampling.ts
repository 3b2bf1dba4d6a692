// Sampling must be reproducible for a given seed: it draws from the project's one seeded PRNG.
import type { SeededRandom } from "./SeededRandom";

export { SeededRandom } from "./SeededRandom";

/** Probability of each candidate next token (a sparse distribution that sums to ~1). */
export type Distribution<T extends number = number> = ReadonlyMap<T, number>;

/** Draws a token from a distribution; tolerant of rounding (the weights need not sum to exactly 1). */
export function sampleFrom<T extends number>(distribution: Distribution<T>, random: SeededRandom): T {
    let total = 0;
    for (const p of distribution.values())
        total += p;
    let r = random.next() * total;
    let last: T | undefined;
    for (const [token, p] of distribution) {
        if (p <= 0)
            continue;
        last = token;
        r -= p;
        if (r < 0)
            return token;
    }
    if (last == null)
        throw new Error("cannot sample from an empty distribution");
    return last;
}

/**
 * The accept/reject step of speculative sampling (Leviathan et al. 2023; Chen et al. 2023): keep a
 * drafted token x with probability min(1, p(x)/q(x)); on rejection draw from the normalised residual
 * max(0, p − q). The tokens that come out are distributed exactly as p, whatever q is.
 */
export function acceptOrResample<T extends number>(
    drafted: T,
    target: Distribution<T>,
    draft: Distribution<T>,
    random: SeededRandom
): { readonly accepted: true } | { readonly accepted: false; readonly token: T } {
    const p = target.get(drafted) ?? 0;
    const q = draft.get(drafted) ?? 0;
    if (q > 0 && random.next() < Math.min(1, p / q))
        return { accepted: true };
    const residual = new Map<T, number>();
    for (const [token, pt] of target) {
        const weight = pt - (draft.get(token) ?? 0);
        if (weight > 0)
            residual.set(token, weight);
    }
    // p == q everywhere (up to rounding) leaves no residual mass; p itself is then the right law.
    return { accepted: false, token: sampleFrom(residual.size > 0 ? residual : target, random) };
}
