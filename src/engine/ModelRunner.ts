import type { ControlledEvaluateIndexOutput, ControlledEvaluateInputItem, LlamaContext, LlamaContextSequence, LlamaModel, Token } from "./llamaTypes";

/**
 * How long one eval should take at most where the engine can choose its size: an eval cannot be
 * interrupted, so this is roughly the longest an abort waits (a prefill chunk, a verify batch of a
 * long copy) and, while decoding, the longest between two streamed pieces.
 */
export const EVAL_TARGET_MS = 150;
export const MIN_PREFILL_CHUNK = 32;
export const MAX_PREFILL_CHUNK = 512;

/**
 * Tokens in the next prefill chunk: the power of two that takes about {@link EVAL_TARGET_MS}
 * at the measured speed, within [32, 512]. Below 32 tokens per call the per-call overhead starts to
 * show (measured on a 2-vCPU CPU: 7.8 ms/token at 64 or 128, 8.6 at 16); the first chunk, before any
 * measurement, is small so that a slow machine learns its speed without a long uninterruptible eval.
 */
export function prefillChunkSize(msPerToken: number | undefined): number {
    if (msPerToken == null || !Number.isFinite(msPerToken))
        return 2 * MIN_PREFILL_CHUNK;
    if (msPerToken <= 0)
        return MAX_PREFILL_CHUNK;
    const fits = EVAL_TARGET_MS / msPerToken;
    let size = MIN_PREFILL_CHUNK;
    while (size * 2 <= fits && size * 2 <= MAX_PREFILL_CHUNK)
        size *= 2;
    return size;
}

/**
 * One model with its context and sequence, plus a mirror of the tokens in its KV cache. The mirror
 * lets the speculative loop roll back by erasing exactly the tail that the next history does not
 * share, without asking the native side for its token list every round.
 */
export class ModelRunner {
    private cached: Token[] = [];
    private disposed = false;
    /** Smoothed prompt-processing cost; undefined until the first prefill chunk is measured. */
    private prefillMsPerToken: number | undefined;

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

    /**
     * Evaluates tokens without asking for output, in chunks so an abort lands between chunks. Chunk
     * size follows the measured prompt speed (see {@link prefillChunkSize}): on a slow CPU a fixed 512
     * tokens would be a 4 s eval nobody can interrupt, while a GPU needs big chunks to be fast.
     * Chunks already evaluated stay cached, so an aborted prefill is not wasted on the next request.
     */
    public async prefill(tokens: readonly Token[], signal: AbortSignal | undefined): Promise<boolean> {
        let start = 0;
        while (start < tokens.length) {
            if (signal?.aborted)
                return false;
            const chunk = tokens.slice(start, start + prefillChunkSize(this.prefillMsPerToken));
            const chunkStarted = performance.now();
            await this.sequence.evaluateWithoutGeneratingNewTokens(chunk);
            this.recordPrefillSpeed(chunk.length, performance.now() - chunkStarted);
            this.cached.push(...chunk);
            start += chunk.length;
        }
        return true;
    }

    private recordPrefillSpeed(tokens: number, ms: number): void {
        // Tiny chunks carry per-call overhead that says little about throughput.
        if (tokens < MIN_PREFILL_CHUNK)
            return;
        const sample = ms / tokens;
        this.prefillMsPerToken = this.prefillMsPerToken == null ? sample : 0.7 * this.prefillMsPerToken + 0.3 * sample;
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
