// The one place that reads Specula's settings. Types, defaults, bounds and enums are declared once,
// in package.json; this module checks values against that schema and falls back to the declared
// default (logging why) when a hand-edited value does not fit. Settings that load or download
// models are machine-scoped and read from user settings only, so a workspace's
// .vscode/settings.json cannot make the extension load or fetch anything.
import * as vscode from "vscode";
import type { DecodingOptionValues } from "../common/decodingOptions";
import type { GpuSetting } from "../common/EngineOptions";
import { allModelPairs, parseModelPairs, type ModelPair } from "../config/modelPairs";
import { settingKeys, type SettingName } from "../config/settingKeys";
import { settingValueProblem, type SettingsSchema } from "../config/settingsSchema";

export { decodingSettings, reloadSettings, serverSettings, settingKeys, type SettingName } from "../config/settingKeys";

export const configSection = "specula";

/** Where completions are computed: this machine's engine, or a llama.cpp server. */
export type BackendKind = "local" | "llamaServer";

/** Every setting's value; the decoding options (speculative … maxLines) as src/common/decodingOptions declares them. */
export interface SpeculaSettings extends Readonly<DecodingOptionValues> {
    readonly enable: boolean;
    readonly languages: Readonly<Record<string, boolean>>;
    readonly selectedPair: string;
    readonly modelPairs: unknown;
    readonly modelDirectory: string;
    readonly backend: BackendKind;
    readonly serverUrl: string;
    readonly serverTimeoutMs: number;
    readonly debounceMs: number;
    readonly latencyBudgetMs: number;
    readonly prefetch: boolean;
    readonly contextSize: number;
    readonly gpu: GpuSetting;
    readonly threads: number;
    readonly logPrompts: boolean;
    readonly nextEditEnabled: boolean;
    /** The next-edit model: a preset id, a specula.modelPairs name, or a model path/URI; empty: none. */
    readonly nextEditModel: string;
    /** The llama.cpp server for next edits when the backend is llamaServer; empty: serverUrl. */
    readonly nextEditServerUrl: string;
}

export class SpeculaConfig implements vscode.Disposable {
    private current: SpeculaSettings;
    private readonly reported = new Set<string>();
    private readonly changeEmitter = new vscode.EventEmitter<ReadonlySet<SettingName>>();
    private readonly subscription: vscode.Disposable;

    /** Fires with the names of the settings whose effective value changed. */
    public readonly onDidChange = this.changeEmitter.event;

    public constructor(
        private readonly schema: SettingsSchema,
        private readonly warn: (message: string) => void
    ) {
        this.current = this.read();
        this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
            if (!event.affectsConfiguration(configSection))
                return;
            const previous = this.current;
            this.current = this.read();
            const changed = new Set<SettingName>();
            for (const name of Object.keys(settingKeys) as SettingName[])
                if (JSON.stringify(previous[name]) !== JSON.stringify(this.current[name]))
                    changed.add(name);
            if (changed.size > 0)
                this.changeEmitter.fire(changed);
        });
    }

    public get settings(): SpeculaSettings {
        return this.current;
    }

    /** Whether completions are wanted for a language: its own entry, else `"*"`, else on. */
    public isLanguageEnabled(languageId: string): boolean {
        const languages = this.current.languages;
        return languages[languageId] ?? languages["*"] ?? true;
    }

    /** Presets, then valid user pairs. Problems with user pairs are logged once each. */
    public get modelPairs(): ModelPair[] {
        const parsed = parseModelPairs(this.current.modelPairs);
        for (const problem of parsed.problems)
            this.warnOnce(problem);
        return allModelPairs(parsed.pairs);
    }

    /** The pair named by `specula.selectedPair`, or undefined (logged) when no pair has that name. */
    public get selectedPair(): ModelPair | undefined {
        const name = this.current.selectedPair;
        const pair = this.modelPairs.find((candidate) => candidate.name === name);
        if (pair == null)
            this.warnOnce(`specula.selectedPair is "${name}", but no preset or entry of specula.modelPairs has that name.`);
        return pair;
    }

    /** Whether the user set `name` in their user settings (rather than it being the declared default). */
    public isUserSet(name: SettingName): boolean {
        return vscode.workspace.getConfiguration(configSection).inspect(settingKeys[name])?.globalValue !== undefined;
    }

    /**
     * Writes a setting where it takes effect: user settings for machine-scoped ones, else the most
     * specific level that currently sets it (so a workspace value is not silently left in force).
     */
    public async update(name: SettingName, value: unknown): Promise<void> {
        const key = settingKeys[name];
        const section = vscode.workspace.getConfiguration(configSection);
        const inspected = section.inspect(key);
        const machine = this.isMachineScoped(key);
        const target = !machine && inspected?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder
            : !machine && inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace
            : vscode.ConfigurationTarget.Global;
        await section.update(key, value, target);
    }

    public dispose(): void {
        this.subscription.dispose();
        this.changeEmitter.dispose();
    }

    private read(): SpeculaSettings {
        const section = vscode.workspace.getConfiguration(configSection);
        const values: Record<string, unknown> = {};
        for (const [name, key] of Object.entries(settingKeys))
            values[name] = this.readOne(section, key);
        const languages = values.languages as Record<string, unknown>;
        const defaultLanguages = this.schemaOf(settingKeys.languages).default as Record<string, boolean>;
        values.languages = { ...defaultLanguages, ...filterBooleans(languages) };
        return values as unknown as SpeculaSettings;
    }

    private readOne(section: vscode.WorkspaceConfiguration, key: string): unknown {
        const schema = this.schemaOf(key);
        let value: unknown;
        if (this.isMachineScoped(key)) {
            const inspected = section.inspect(key);
            value = inspected?.globalValue ?? inspected?.defaultValue;
            if (inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined)
                this.warnOnce(`Ignoring the workspace's value of specula.${key}: it can only be set in user settings.`);
        } else
            value = section.get(key);
        const problem = value === undefined ? "is missing" : settingValueProblem(schema, value);
        if (problem == null)
            return value;
        this.warnOnce(`specula.${key} ${problem}; using the default ${JSON.stringify(schema.default)}.`);
        return schema.default;
    }

    private schemaOf(key: string) {
        const schema = this.schema[`${configSection}.${key}`];
        if (schema == null || schema.default === undefined)
            throw new Error(`specula.${key} is not declared with a default in package.json`);
        return schema;
    }

    private isMachineScoped(key: string): boolean {
        const scope = this.schemaOf(key).scope;
        return scope === "machine" || scope === "application";
    }

    private warnOnce(message: string): void {
        if (this.reported.has(message))
            return;
        this.reported.add(message);
        this.warn(message);
    }
}

function filterBooleans(value: Record<string, unknown>): Record<string, boolean> {
    const result: Record<string, boolean> = {};
    for (const [key, entry] of Object.entries(value))
        if (typeof entry === "boolean")
            result[key] = entry;
    return result;
}
