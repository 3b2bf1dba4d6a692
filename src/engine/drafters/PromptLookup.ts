import type { Token } from "../llamaTypes";

/** Positions remembered per trigram; the most recent ones are the most likely to repeat. */
const positionsPerKey = 4;

/**
 * Prompt-lookup drafting: when the last few tokens occurred before (in the prompt, the extra
 * context from other files, or what was generated so far), propose the tokens that followed them
 * then. Code repeats itself — identifiers, call patterns, closing brackets — and a copy costs no
 * model eval at all, so on copy-heavy text this beats any draft model.
 *
 * The index holds trigram → recent positions and is extended as the history grows, so a lookup
 * costs a few comparisons whatever the history's length.
 */
export class PromptLookup {
    private readonly index = new Map<number, number[]>();
    private history: readonly Token[] = [];
    private indexed = 0;

    /**
     * @param minMatch Shortest suffix match (in tokens) worth proposing; shorter matches are noise,
     * especially with byte-level vocabularies. Defaults to 3 (the index's trigram).
     */
    public constructor(private readonly minMatch = 3) {}

    /** Starts over on a new history (a new request); later calls to `propose` extend it in place. */
    public reset(history: readonly Token[]): void {
        this.index.clear();
        this.history = history;
        this.indexed = 0;
    }

    /**
     * Up to `max` tokens that followed the longest earlier match of the history's suffix, and that
     * match's length, or an empty proposal when nothing long enough matches.
     */
    public propose(max: number): { tokens: Token[]; matchLength: number } {
        const history = this.history;
        const end = history.length;
        // Index every trigram that ends before the current suffix's own trigram.
        for (; this.indexed + 3 < end; this.indexed++) {
            const i = this.indexed;
            const key = trigramKey(history[i], history[i + 1], history[i + 2]);
            let positions = this.index.get(key);
            if (positions == null)
                this.index.set(key, positions = []);
            positions.push(i);
            if (positions.length > positionsPerKey)
                positions.shift();
        }
        if (end < 4 || max <= 0)
            return { tokens: [], matchLength: 0 };
        const candidates = this.index.get(trigramKey(history[end - 3], history[end - 2], history[end - 1]));
        if (candidates == null)
            return { tokens: [], matchLength: 0 };

        let bestStart = -1;
        let bestLength = 0;
        for (let c = candidates.length - 1; c >= 0; c--) {
            const start = candidates[c];
            // The key is a hash: confirm the trigram, then extend the match backwards from it.
            if (history[start] !== history[end - 3] || history[start + 1] !== history[end - 2] || history[start + 2] !== history[end - 1])
                continue;
            let length = 3;
            while (length < 64 && start + 3 - length - 1 >= 0 && history[start + 3 - length - 1] === history[end - length - 1])
                length++;
            if (length > bestLength) {
                bestLength = length;
                bestStart = start;
            }
        }
        if (bestStart < 0 || bestLength < this.minMatch)
            return { tokens: [], matchLength: 0 };
        // Copy what followed the match; past the end of the history keep copying from the copy,
        // which continues a repeating pattern (a list, a run of similar lines) as far as asked.
        const from = bestStart + 3;
        const tokens: Token[] = [];
        for (let j = 0; j < max; j++) {
            const at = from + j;
            tokens.push(at < end ? history[at] : tokens[at - end]);
        }
        return { tokens, matchLength: bestLength };
    }
}

function trigramKey(a: Token, b: Token, c: Token): number {
    let hash = Math.imul(a, 0x9e3779b1) ^ b;
    hash = Math.imul(hash, 0x85ebca77) ^ c;
    return Math.imul(hash ^ (hash >>> 15), 0xc2b2ae3d);
}
