// Loading a model pair: each file checked (src/engine/modelFile/), the pair's memory estimated before
// llama.cpp opens anything, both models loaded and warmed up. SpeculativeEngine.load decodes with
// what this returns.
import * as os from "node:os";
import { DEFAULT_CONTEXT_SIZE, type EngineInfo, type EngineOptions } from "../common/EngineOptions";
import { formatBytes } from "../common/formatBytes";
import { loadLlama } from "./loadLlama";
import { loadNodeLlamaCpp, type Llama, type LlamaModel } from "./llamaTypes";
import { ModelRunner } from "./ModelRunner";
import { warmUpAndCheck } from "./modelFile/checkModelHealth";
import { checkVocabularyCompatibility } from "./modelFile/checkVocabularyCompatibility";
import { validateModelFile, type ModelFileSummary } from "./modelFile/validateModelFile";
import { quoted, SpeculaError } from "./SpeculaError";

/** A loaded, warmed-up pair; the draft is absent when none was given or it cannot draft for the target. */
export interface LoadedModelPair {
    readonly info: EngineInfo;
    readonly target: ModelRunner;
    readonly draft: ModelRunner | undefined;
}

/**
 * Validates both files, checks that their vocabularies agree, loads them and warms them up. A
 * draft that does not fit the target is left out, with the reason in
 * `info.speculationUnavailableReason`. An aborted `signal` rejects with its reason (after freeing
 * whatever was loaded).
 */
export async function loadModelPair(options: EngineOptions, signal?: AbortSignal): Promise<LoadedModelPair> {
    const targetFile = await validateModelFile(options.targetPath, "target model");
    let draftFile: ModelFileSummary | undefined;
    let unavailable: string | undefined;
    if (options.draftPath != null) {
        draftFile = await validateModelFile(options.draftPath, "draft model");
        const compatibility = checkVocabularyCompatibility(targetFile.info, draftFile.info);
        if (!compatibility.compatible) {
            unavailable = `The draft model ${quoted(options.draftPath)} cannot draft for ${quoted(options.targetPath)}: ${compatibility.reason}. Speculation is off; completions use the target alone.`;
            options.log?.("warn", unavailable);
            draftFile = undefined;
        }
    }
    signal?.throwIfAborted();

    const llama = await loadLlama(options.gpu ?? "auto");
    const contextSize = Math.max(256, options.contextSize ?? DEFAULT_CONTEXT_SIZE);
    await checkMemory(llama, [targetFile, ...(draftFile != null ? [draftFile] : [])], contextSize, options);
    signal?.throwIfAborted();

    const target = await loadRunner(llama, targetFile, contextSize, options);
    let draft: ModelRunner | undefined;
    try {
        if (draftFile != null)
            draft = await loadRunner(llama, draftFile, target.context.contextSize, options);
        signal?.throwIfAborted();
        await warmUpAndCheck(target, targetFile.path, "target model");
        if (draft != null && draftFile != null)
            await warmUpAndCheck(draft, draftFile.path, "draft model");
    } catch (error) {
        await draft?.dispose();
        await target.dispose();
        throw error;
    }
    const infill = target.model.tokens.infill;
    const info: EngineInfo = {
        targetPath: options.targetPath,
        draftPath: options.draftPath,
        speculationAvailable: draft != null,
        speculationUnavailableReason: unavailable,
        fim: infill.prefix != null && infill.suffix != null && infill.middle != null,
        gpu: llama.gpu,
        binary: llama.buildType,
        contextSize: target.context.contextSize,
        targetName: targetFile.name,
        draftName: draftFile?.name
    };
    options.log?.("info", `Loaded target "${info.targetName}"${draft != null ? ` with draft "${info.draftName}"` : ""} (context ${info.contextSize}, ${llama.gpu === false ? "CPU" : llama.gpu}, ${llama.buildType === "localBuild" ? "llama.cpp built on this machine" : "prebuilt llama.cpp"}).`);
    return { info, target, draft };
}

async function loadRunner(llama: Llama, file: ModelFileSummary, contextSize: number, options: EngineOptions): Promise<ModelRunner> {
    let model: LlamaModel;
    try {
        model = await llama.loadModel({
            modelPath: file.path,
            gpuLayers: options.gpu === "off" ? 0 : "auto"
        });
    } catch (error) {
        throw loadError(error, file);
    }
    try {
        const context = await model.createContext({
            contextSize: Math.min(contextSize, model.trainContextSize),
            sequences: 1,
            threads: resolveThreads(options.threads),
            batchSize: 512,
            flashAttention: useFlashAttention(llama, options)
        });
        return new ModelRunner(model, context, context.getSequence());
    } catch (error) {
        await model.dispose();
        throw loadError(error, file);
    }
}

/**
 * Flash attention stays on node-llama-cpp's "auto" on a GPU, where it pays off, and is off on the CPU:
 * there it made small batches — all of decoding and verification — far slower at the context lengths
 * completions use (154 M Q8_0 target, 1 thread, 1450 tokens of context: 58 ms instead of 33 ms for one
 * token, 213 ms instead of 125 ms for nine), while prompt processing gained only ~15 %.
 */
export function useFlashAttention(llama: Pick<Llama, "gpu">, options: Pick<EngineOptions, "gpu">): "auto" | false {
    return options.gpu === "off" || llama.gpu === false ? false : "auto";
}

function loadError(error: unknown, file: ModelFileSummary): SpeculaError {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    if (error instanceof Error && error.name === "InsufficientMemoryError")
        return new SpeculaError("INSUFFICIENT_MEMORY", `Not enough memory to load ${quoted(file.path)}: ${detail}`, { cause: error });
    return new SpeculaError("MODEL_LOAD_FAILED", `Could not load ${quoted(file.path)}: ${detail}`, { cause: error });
}

/** Refuses a pair that cannot fit before loading it, with the numbers, using node-llama-cpp's estimates. */
async function checkMemory(llama: Llama, files: ModelFileSummary[], contextSize: number, options: EngineOptions): Promise<void> {
    const { GgufInsights } = await loadNodeLlamaCpp();
    const totalRam = os.totalmem();
    const estimates = [];
    let weightsRam = 0;
    for (const file of files) {
        const insights = await GgufInsights.from(file.info, llama);
        const gpuLayers = options.gpu === "off" || llama.gpu === false ? 0 : insights.totalLayers;
        // Weights kept on the CPU, from the header's tensor sizes alone (no native code reads the file).
        const weights = insights.estimateModelResourceRequirements({ gpuLayers }).cpuRam;
        weightsRam += weights;
        estimates.push({ insights, gpuLayers, weights, name: file.path });
    }
    // The V2 estimate below asks llama.cpp to open each file; a pair whose weights alone cannot fit
    // is refused before that.
    if (weightsRam > totalRam)
        throw new SpeculaError(
            "INSUFFICIENT_MEMORY",
            `The model pair needs about ${formatBytes(weightsRam)} of RAM for its weights (${estimates.map((estimate) => `"${estimate.name}" ${formatBytes(estimate.weights)}`).join(", ")}) but this machine has ${formatBytes(totalRam)}; choose a smaller pair.`
        );
    let ram = 0;
    let vram = 0;
    for (const { insights, gpuLayers, weights } of estimates) {
        const simulated = await insights.estimateModelResourceRequirementsV2({ gpuLayers });
        // V2 leaves memory-mapped weights out of cpuRam, but CPU-resident weights still need RAM.
        const model = { cpuRam: Math.max(simulated.cpuRam, weights), gpuVram: simulated.gpuVram };
        const context = await insights.estimateContextResourceRequirementsV2({
            contextSize: Math.min(contextSize, insights.trainContextSize ?? contextSize),
            modelGpuLayers: gpuLayers,
            batchSize: 512,
            sequences: 1
        });
        ram += model.cpuRam + context.cpuRam;
        vram += model.gpuVram + context.gpuVram;
    }
    // Memory-mapped weights can be paged in on demand, so compare with all RAM, not just free RAM.
    if (ram > totalRam)
        throw new SpeculaError(
            "INSUFFICIENT_MEMORY",
            `The model pair needs about ${formatBytes(ram)} of RAM but this machine has ${formatBytes(totalRam)}; choose a smaller pair or a smaller context size.`
        );
    if (llama.gpu !== false && vram > 0) {
        const state = await llama.getVramState();
        if (vram > state.total)
            throw new SpeculaError(
                "INSUFFICIENT_MEMORY",
                `The model pair needs about ${formatBytes(vram)} of GPU memory but the GPU has ${formatBytes(state.total)}; set "gpu" to "off" or choose a smaller pair.`
            );
    }
}

/**
 * 0 means "all cores but one": the editor, its extension host and the browser or Electron UI need a
 * core to stay responsive while a completion decodes, and on a 2-vCPU machine llama.cpp with both
 * threads was measured 50× slower than with one (5.3 s vs 97 ms for 64 tokens on the fixture pair).
 */
export function resolveThreads(threads: number | undefined): number {
    if (threads != null && threads > 0)
        return Math.floor(threads);
    return Math.max(1, os.availableParallelism() - 1);
}
