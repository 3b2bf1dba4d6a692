import { decodingOptions, type EngineDecodingOptions } from "./decodingOptions";

export type GpuSetting = "auto" | "cuda" | "vulkan" | "metal" | "off";

/**
 * Who proposes tokens: the draft model, prompt lookup (copies of earlier text), or both, choosing
 * per round whichever has been accepted more.
 */
export type DrafterKind = (typeof decodingOptions.drafter.enum)[number];

/** Most tokens the draft proposes per round when `draftMax` is not given (src/common/decodingOptions.ts). */
export const DEFAULT_DRAFT_MAX: number = decodingOptions.draftMax.default;

/** Context size of each model when `contextSize` is not given (capped by the model's training context). */
export const DEFAULT_CONTEXT_SIZE = 4096;

/**
 * How to load a model pair and how to decode with it; the decoding options and their defaults are
 * declared in src/common/decodingOptions.ts.
 */
export interface EngineOptions extends Partial<Readonly<EngineDecodingOptions>> {
    /** Path to the target GGUF file (already downloaded/resolved). */
    readonly targetPath: string;
    /** Path to the draft GGUF file. Without it the engine decodes with the target alone. */
    readonly draftPath?: string;
    /** Defaults to "auto". */
    readonly gpu?: GpuSetting;
    /** CPU threads for evaluation; 0 uses all cores but one (leaving one for the editor). Defaults to 0. */
    readonly threads?: number;
    /** Context size of each model, in tokens. Defaults to {@link DEFAULT_CONTEXT_SIZE} (capped by the model's training context). */
    readonly contextSize?: number;
    /** Called with one-line log messages (never prompt or completion text). */
    readonly log?: (level: "info" | "warn" | "error", message: string) => void;
}

/** What the loaded pair can do, reported to the UI. */
export interface EngineInfo {
    readonly targetPath: string;
    readonly draftPath?: string;
    /** A compatible draft is loaded, so speculation can run. */
    readonly speculationAvailable: boolean;
    /** Why speculation is unavailable, when a draft was given but cannot be used. */
    readonly speculationUnavailableReason?: string;
    /** The target has FIM tokens, so prefix+suffix prompts are used. */
    readonly fim: boolean;
    /** GPU backend in use, or false for CPU. */
    readonly gpu: string | false;
    /** Which llama.cpp binary runs: node-llama-cpp's generic prebuilt one, or one built on this machine for it. */
    readonly binary: "prebuilt" | "localBuild";
    readonly contextSize: number;
    readonly targetName: string;
    readonly draftName?: string;
}
