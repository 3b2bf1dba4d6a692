import type { ControlledEvaluateIndexOutput, ControlledEvaluateInputItem, LlamaContext, LlamaContextSequence, LlamaModel, Token } from "./llamaTypes";

/**
 * One model with its context and sequence, plus a mirror of the tokens in its KV cache. The mirror
 * lets the speculative loop roll back by erasing exactly the tail that the next history does not
 * share, without asking the native side for its token list every round.
 */
export class ModelRunner {
    private cached: Token[] = [];
    private disposed = false;

    public constructor(
        public readonly model: LlamaModel,
        public readonly context: LlamaContext,
        public readonly sequence: LlamaContextSequence
    ) {}

    /** Tokens currently in the KV cache. */
    public get cachedTokens(): readonly Token[] {
        return this.cached;
    }

    /** Re-reads the cache contents from node-llama-cpp; used at request start and after an error. */
    public resync(): void {
        this.cached = this.sequence.contextTokens.slice();
    }

    /**
     * Erases everything in the cache past the longest common prefix with `history[0..limit)` and
     * returns that prefix's length.
     */
    public async keepCommonPrefix(history: readonly Token[], limit = history.length): Promise<number> {
        const max = Math.min(limit, this.cached.length);
        let common = 0;
        while (common < max && this.cached[common] === history[common])
            common++;
        if (common < this.cached.length) {
            await this.sequence.eraseContextTokenRanges([{ start: common, end: this.cached.length }]);
            this.cached.length = common;
        }
        return common;
    }

    /** Evaluates tokens without asking for output, in chunks so an abort lands between chunks. */
    public async prefill(tokens: readonly Token[], signal: AbortSignal | undefined, chunkSize = 512): Promise<boolean> {
        for (let start = 0; start < tokens.length; start += chunkSize) {
            if (signal?.aborted)
                return false;
            const chunk = tokens.slice(start, start + chunkSize);
            await this.sequence.evaluateWithoutGeneratingNewTokens(chunk);
            this.cached.push(...chunk);
        }
        return true;
    }

    /** One batched eval: the verification primitive (K+1 tokens with a prediction at each). */
    public async evaluate(items: ControlledEvaluateInputItem[]): Promise<Array<ControlledEvaluateIndexOutput | undefined>> {
        const results = await this.sequence.controlledEvaluate(items);
        for (const item of items)
            this.cached.push(typeof item === "number" ? item : item[0]);
        return results;
    }

    public async clear(): Promise<void> {
        await this.sequence.clearHistory();
        this.cached = [];
    }

    public async dispose(): Promise<void> {
        if (this.disposed)
            return;
        this.disposed = true;
        this.sequence.dispose();
        await this.context.dispose();
        await this.model.dispose();
    }
}
