// Names of Specula's settings and how the engine reacts to each; shared by the config module and
// the tests that check package.json declares them. No `vscode` import.

import { engineDecodingOptionNames } from "../common/decodingOptions";

/** Setting keys below `specula.`, by the name code uses. */
export const settingKeys = {
    enable: "enable",
    languages: "languages",
    selectedPair: "selectedPair",
    modelPairs: "modelPairs",
    modelDirectory: "modelDirectory",
    backend: "backend",
    serverUrl: "serverUrl",
    serverTimeoutMs: "serverTimeoutMs",
    speculative: "speculative",
    drafter: "drafter",
    draftMax: "draftMax",
    adaptiveDraft: "adaptiveDraft",
    draftConfidence: "draftConfidence",
    lookupPool: "lookupPool",
    temperature: "temperature",
    maxTokens: "maxTokens",
    maxLines: "maxLines",
    debounceMs: "debounceMs",
    latencyBudgetMs: "latencyBudgetMs",
    prefetch: "prefetch",
    contextSize: "contextSize",
    gpu: "gpu",
    threads: "threads",
    logPrompts: "debug.logPrompts",
    nextEditEnabled: "nextEdit.enabled",
    nextEditModel: "nextEdit.model",
    nextEditServerUrl: "nextEdit.serverUrl"
} as const;

export type SettingName = keyof typeof settingKeys;

/** Settings whose change means the model pair must be loaded again. */
export const reloadSettings: readonly SettingName[] = ["selectedPair", "modelPairs", "modelDirectory", "contextSize", "gpu", "threads"];
/** Settings of the llama.cpp server backend: a change connects to the server again. */
export const serverSettings: readonly SettingName[] = ["serverUrl", "serverTimeoutMs"];
/** Settings the loaded engine takes without reloading. */
export const decodingSettings: readonly SettingName[] = engineDecodingOptionNames;
