import { NEAR_TIE_RELATIVE, relativeGap } from "../../src/bench/nearTie";

/**
 * Greedy speculative output is the target alone's token for token — except where the target's two
 * best candidates are tied to float precision: llama.cpp evaluates a verify batch with other kernels
 * (another summation order) than a single token, and at such a tie the two can pick differently. A
 * test that finds a divergence asks the target, in a context of its own, how far apart its two
 * candidates are there; only a tie excuses it.
 */
export interface TieCheck {
    /** The two tokens' probabilities at the diverging position, from a single-token eval (top 5, temperature 1). */
    readonly probabilities: readonly [number, number];
    /** |p(a) − p(b)| ÷ max(p(a), p(b)). */
    readonly relativeGap: number;
}


export async function tieAt(targetPath: string, context: readonly number[], a: number, b: number): Promise<TieCheck> {
    const { getLlama } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: false, build: "never" });
    const model = await llama.loadModel({ modelPath: targetPath, gpuLayers: 0 });
    const llamaContext = await model.createContext({ contextSize: Math.max(256, context.length + 8), threads: 1, flashAttention: false });
    try {
        const sequence = llamaContext.getSequence();
        await sequence.evaluateWithoutGeneratingNewTokens(context.slice(0, -1) as never[]);
        const [result] = await sequence.controlledEvaluate([[context[context.length - 1] as never, { generateNext: { probabilities: true, options: { temperature: 1, topK: 5 } } }]]);
        const probabilities = result?.next?.probabilities;
        const pa = probabilities?.get(a as never) ?? 0;
        const pb = probabilities?.get(b as never) ?? 0;
        return { probabilities: [pa, pb], relativeGap: relativeGap(pa, pb) };
    } finally {
        await llamaContext.dispose();
        await model.dispose();
    }
}

/**
 * Compares a speculative output with the target alone's: equal, or diverging first at a float tie
 * (then nothing after it can be compared). Throws with both tokens and their probabilities otherwise.
 */
export async function expectExactOrTie(targetPath: string, prompt: readonly number[], actual: readonly number[], expected: readonly number[], what: string): Promise<"exact" | "tie"> {
    let at = 0;
    while (at < actual.length && at < expected.length && actual[at] === expected[at])
        at++;
    if (at === actual.length && at === expected.length)
        return "exact";
    if (at === actual.length || at === expected.length)
        throw new Error(`${what}: one output is a prefix of the other (${actual.length} vs ${expected.length} tokens)`);
    const tie = await tieAt(targetPath, [...prompt, ...expected.slice(0, at)], actual[at]!, expected[at]!);
    if (tie.relativeGap > NEAR_TIE_RELATIVE)
        throw new Error(`${what}: diverged at token ${at} (${actual[at]} instead of ${expected[at]}), which is no tie: p = ${tie.probabilities[0].toFixed(5)} vs ${tie.probabilities[1].toFixed(5)}`);
    return "tie";
}
