import { loadLlama } from "../engine/loadLlama";
import { loadNodeLlamaCpp, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from "../engine/llamaTypes";
import { useFlashAttention } from "../engine/loadModelPair";

/** Settings of node-llama-cpp's DraftSequenceTokenPredictor. */
export interface PeerSettings {
    readonly minTokens: number;
    readonly maxTokens: number;
    readonly minConfidence: number;
}

export interface PeerRunResult {
    readonly tokens: Token[];
    readonly promptMs: number;
    readonly decodeMs: number;
    /** node-llama-cpp's own counters: predicted tokens kept vs thrown away. */
    readonly validated: number;
    readonly refuted: number;
    readonly used: number;
    readonly unused: number;
}

/**
 * The peer to beat: node-llama-cpp 3.21.1's own speculative path, a target sequence whose
 * `tokenPredictor` is a `DraftSequenceTokenPredictor` over a draft sequence. It gets its own models,
 * contexts and sequences (the engine's are private), loaded from the same files with the same
 * thread count, and the same exact prompt tokens as the engine.
 */
export class PeerPredictorRunner {
    private constructor(
        private readonly targetModel: LlamaModel,
        private readonly draftModel: LlamaModel,
        private readonly targetContext: LlamaContext,
        private readonly draftContext: LlamaContext
    ) {}

    public static async load(options: { targetPath: string; draftPath: string; contextSize: number; threads: number }): Promise<PeerPredictorRunner> {
        const llama = await loadLlama("auto");
        const targetModel = await llama.loadModel({ modelPath: options.targetPath, gpuLayers: 0 });
        const draftModel = await llama.loadModel({ modelPath: options.draftPath, gpuLayers: 0 });
        // gpuLayers 0, so the engine's CPU choice of attention kernel applies (see useFlashAttention).
        const flashAttention = useFlashAttention(llama, { gpu: "off" });
        const make = (model: LlamaModel) => model.createContext({ contextSize: options.contextSize, sequences: 1, threads: options.threads, batchSize: 512, flashAttention });
        const targetContext = await make(targetModel);
        const draftContext = await make(draftModel);
        return new PeerPredictorRunner(targetModel, draftModel, targetContext, draftContext);
    }

    /** A fresh target context for measuring raw batch costs (no predictor attached). */
    public get target(): { model: LlamaModel; context: LlamaContext } {
        return { model: this.targetModel, context: this.targetContext };
    }

    public get draft(): { model: LlamaModel; context: LlamaContext } {
        return { model: this.draftModel, context: this.draftContext };
    }

    /**
     * Greedy decoding of up to `maxTokens` after `prompt`, stopping at an end-of-generation token
     * (not counted). The prompt (all but its last token) is evaluated first on both sequences and
     * timed apart, so decode time compares with the engine's decode time.
     */
    public async run(prompt: readonly Token[], maxTokens: number, settings: PeerSettings | undefined): Promise<PeerRunResult> {
        const { DraftSequenceTokenPredictor } = await loadNodeLlamaCpp();
        const draftSequence = this.draftContext.getSequence();
        const predictor = settings != null ? new DraftSequenceTokenPredictor(draftSequence, settings) : undefined;
        const sequence: LlamaContextSequence = this.targetContext.getSequence(predictor != null ? { tokenPredictor: predictor } : {});
        try {
            const promptStarted = performance.now();
            const head = prompt.slice(0, -1);
            await sequence.evaluateWithoutGeneratingNewTokens(head);
            if (predictor != null)
                await draftSequence.evaluateWithoutGeneratingNewTokens(head);
            const promptMs = performance.now() - promptStarted;

            const started = performance.now();
            const tokens: Token[] = [];
            if (maxTokens > 0)
                for await (const token of sequence.evaluate([prompt[prompt.length - 1]], { temperature: 0 })) {
                    if (this.targetModel.isEogToken(token))
                        break;
                    tokens.push(token);
                    if (tokens.length >= maxTokens)
                        break;
                }
            const decodeMs = performance.now() - started;
            const predictions = sequence.tokenPredictions;
            return { tokens, promptMs, decodeMs, ...predictions };
        } finally {
            sequence.dispose();
            predictor?.dispose();
            draftSequence.dispose();
        }
    }

    public async dispose(): Promise<void> {
        await this.targetContext.dispose();
        await this.draftContext.dispose();
        await this.targetModel.dispose();
        await this.draftModel.dispose();
    }
}
