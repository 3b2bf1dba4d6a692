import type { Token } from "../engine/llamaTypes";

/**
 * Two tokens whose probabilities differ by less than this share of the larger count as a tie.
 *
 * llama.cpp's CPU kernels round differently for a batch of several tokens than for one (the same
 * logits come out a few units in the fourth digit apart), so where the target's top two tokens are
 * that close, a verify batch can pick the other one than decoding one token at a time does.
 * Measured on the code pair (bench task linkedMap.js:75, token 37): one token at a time "this"
 * 0.238862, "to" 0.238056; the same tokens in one batch "to" 0.238731, "this" 0.238454 — 0.3 % apart.
 * Speculative decoding in llama.cpp itself has the same property; exactness holds up to such ties.
 * The engine tests excuse a divergence by the same rule (test/support/nearTie.ts).
 */
export const NEAR_TIE_RELATIVE = 0.01;

/** The first position where the two token lists differ (one ending early counts); undefined when equal. */
export function firstDivergence(a: readonly Token[], b: readonly Token[]): number | undefined {
    const length = Math.max(a.length, b.length);
    for (let i = 0; i < length; i++)
        if (a[i] !== b[i])
            return i;
    return undefined;
}

/** |a − b| ÷ max(a, b): how far apart two probabilities are, relative to the larger. */
export function relativeGap(a: number, b: number): number {
    return Math.abs(a - b) / Math.max(a, b, 1e-12);
}

/**
 * Whether the target's distribution at a divergence (`probabilities`, computed after the tokens both
 * outputs share) makes `expected` (the target alone's token) and `got` (the other output's) a near
 * tie: both among its candidates, within {@link NEAR_TIE_RELATIVE} of each other.
 */
export function isNearTie(probabilities: ReadonlyMap<Token, number>, expected: Token | undefined, got: Token | undefined): boolean {
    if (expected == null || got == null || expected === got)
        return false;
    const pExpected = probabilities.get(expected);
    const pGot = probabilities.get(got);
    if (pExpected == null || pGot == null)
        return false;
    return Math.max(pExpected, pGot) > 0 && relativeGap(pExpected, pGot) <= NEAR_TIE_RELATIVE;
}
