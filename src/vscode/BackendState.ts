// The state of the completion backend in use (the local engine host or a llama.cpp server) and what
// the provider reads from it.
import type { EngineInfo } from "../common/EngineOptions";
import type { ModelPair } from "../config/modelPairs";
import type { ServerHealth } from "../llamaServer/LlamaServerBackend";

/**
 * What the completion backend in use is doing, as the status bar, the provider and the tests see it:
 * the local engine's load, download and failure states, or a llama.cpp server's health.
 */
export type BackendState =
    | { readonly kind: "disabled" }
    | { readonly kind: "idle" }
    | { readonly kind: "loading"; readonly pair: ModelPair }
    | { readonly kind: "ready"; readonly pair: ModelPair; readonly info: EngineInfo }
    | { readonly kind: "needsDownload"; readonly pair: ModelPair; readonly message: string }
    | { readonly kind: "downloading"; readonly pair: ModelPair; readonly fraction: number }
    | { readonly kind: "restarting"; readonly message: string }
    | { readonly kind: "error"; readonly message: string; readonly pair?: ModelPair }
    /** Completions come from a llama.cpp server (`display` is its host:port), in this health. */
    | { readonly kind: "server"; readonly display: string; readonly health: ServerHealth };

/** Whether completions can be asked for in this state: a loaded pair, or a server that answers. */
export function canComplete(state: BackendState): boolean {
    return state.kind === "ready" || (state.kind === "server" && state.health.kind === "ready");
}

/**
 * The context the backend actually has, once known: the setting capped by the model's training
 * context (local), or the server's per-slot context. Prompt windows planned for a larger context
 * than this overflow it, and the engine's trimming then drops the cached prompt.
 */
export function backendContextSize(state: BackendState): number | undefined {
    if (state.kind === "ready")
        return state.info.contextSize;
    if (state.kind === "server" && state.health.kind === "ready")
        return state.health.model.contextSize;
    return undefined;
}
