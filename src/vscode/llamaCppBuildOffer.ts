// What the status bar menu offers about the llama.cpp binary (no `vscode` import: unit-tested).
import type { EngineInfo } from "../common/EngineOptions";

export interface BuildOffer {
    readonly action: "build" | "usePrebuilt";
    readonly description: string;
}

/**
 * The menu's llama.cpp entry: going back to the prebuilt binary when one built here runs; building for
 * this machine when no prebuilt binary loads (the engine has no info), or when speculation runs on
 * the CPU with the prebuilt binary — a build for this CPU evaluates a verify batch for fewer
 * single-token evals (9 tokens: 2.5 against 3.0 on the development machine), so speculation gains
 * more (docs/native-peer.md); none otherwise.
 */
export function llamaCppBuildOffer(info: Pick<EngineInfo, "binary" | "gpu"> | undefined, speculative: boolean): BuildOffer | undefined {
    if (info?.binary === "localBuild")
        return { action: "usePrebuilt", description: "now: built for this machine" };
    if (info == null)
        return { action: "build", description: "when no prebuilt binary loads" };
    if (speculative && info.gpu === false)
        return { action: "build", description: "cheaper verify batches for speculation" };
    return undefined;
}
