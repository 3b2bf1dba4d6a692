import type { GpuSetting } from "./EngineOptions";
import { SpeculaError } from "./SpeculaError";
import { loadNodeLlamaCpp, type Llama } from "./llamaTypes";

const instances = new Map<GpuSetting, Promise<Llama>>();

/**
 * One Llama (native backend) per GPU setting per process. `build: "never"` because building
 * llama.cpp from source needs a network and a toolchain a user's editor does not have: a missing
 * prebuilt binary must be a clear error, not a ten-minute compile that fails.
 */
export function loadLlama(gpu: GpuSetting = "auto"): Promise<Llama> {
    let instance = instances.get(gpu);
    if (instance == null) {
        instance = (async () => {
            const { getLlama, LlamaLogLevel } = await loadNodeLlamaCpp();
            try {
                return await getLlama({
                    gpu: gpu === "off" ? false : gpu,
                    build: "never",
                    progressLogs: false,
                    logLevel: LlamaLogLevel.error
                });
            } catch (error) {
                const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
                throw new SpeculaError(
                    "MODEL_LOAD_FAILED",
                    gpu === "auto" || gpu === "off"
                        ? `No llama.cpp binary for this platform could be loaded: ${detail}`
                        : `The "${gpu}" GPU backend is not available on this machine (${detail}); choose "auto" or "off".`,
                    { cause: error }
                );
            }
        })();
        instance.catch(() => instances.delete(gpu));
        instances.set(gpu, instance);
    }
    return instance;
}
