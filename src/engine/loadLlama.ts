import type { GpuSetting } from "../common/EngineOptions";
import { SpeculaError } from "./SpeculaError";
import { loadNodeLlamaCpp, type Llama } from "./llamaTypes";

const instances = new Map<GpuSetting, Promise<Llama>>();

/**
 * One Llama (native backend) per GPU setting per process. `build: "never"`: a build for this
 * machine is made only when the user asks for it (src/engineHost/buildLlamaCpp.ts, which needs cmake and a
 * compiler); node-llama-cpp prefers such a build when one exists, else loads its prebuilt binary, and
 * a machine with neither gets a clear error, not a ten-minute compile that fails.
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
                        ? `No llama.cpp binary for this platform could be loaded: ${detail}. "Specula: Build llama.cpp for This Machine" compiles one from the source Specula ships.`
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
