// The palette commands (category "Specula") and the status bar menu that lists them.
import * as vscode from "vscode";
import { epochNow } from "../completion/epochClock";
import { describeModelUri } from "../config/modelPairs";
import type { SpeculaConfig } from "./SpeculaConfig";
import type { BackendSwitch } from "./BackendSwitch";
import type { EngineController } from "./EngineController";
import { acceptedCommand } from "./InlineCompletionProvider";
import { buildForThisMachine, usePrebuilt } from "./llamaCppBuildCommands";
import type { SessionStats } from "./SessionStats";
import type { ServerController } from "./ServerController";
import type { StatisticsPanel } from "./StatisticsPanel";
import { llamaCppBuildOffer, type BuildOffer } from "./llamaCppBuildOffer";

export const commandIds = {
    toggleCompletions: "specula.toggleCompletions",
    toggleSpeculative: "specula.toggleSpeculative",
    selectModelPair: "specula.selectModelPair",
    downloadModels: "specula.downloadModels",
    showStatistics: "specula.showStatistics",
    restartEngine: "specula.restartEngine",
    setServerApiKey: "specula.setServerApiKey",
    openLog: "specula.openLog",
    showMenu: "specula.showMenu",
    buildLlamaCpp: "specula.buildLlamaCpp",
    usePrebuiltLlamaCpp: "specula.usePrebuiltLlamaCpp"
} as const;

export interface CommandDependencies {
    readonly config: SpeculaConfig;
    readonly controller: EngineController;
    /** Which backend computes completions; the commands say what they mean with a server. */
    readonly backends: BackendSwitch;
    readonly server: ServerController;
    readonly stats: SessionStats;
    readonly statistics: StatisticsPanel;
    readonly log: vscode.LogOutputChannel;
}

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
    const { config, controller, backends, server, stats, statistics, log } = deps;
    const usingServer = () => backends.kind === "llamaServer";

    const toggleCompletions = async () => {
        const enable = !config.settings.enable;
        await config.update("enable", enable);
        vscode.window.setStatusBarMessage(`Specula: completions ${enable ? "on" : "off"}`, 2000);
    };

    const toggleSpeculative = async () => {
        if (usingServer()) {
            // Speculation is the server's choice; this setting would change nothing while it is used.
            const now = server.speculating ? "It speculates now." : "It does not report speculating now.";
            void vscode.window.showInformationMessage(`Specula: the llama.cpp server at ${server.display} decides whether to decode speculatively: it does when started with a draft model (-md) or --spec-type. ${now} "Toggle Speculative Decoding" applies to local models.`);
            return;
        }
        const speculative = !config.settings.speculative;
        await config.update("speculative", speculative);
        vscode.window.setStatusBarMessage(`Specula: speculative decoding ${speculative ? "on" : "off (target only)"}`, 2000);
    };

    /** Returns the chosen pair's name, or undefined when the pick was dismissed. */
    const selectModelPair = async (name?: unknown): Promise<string | undefined> => {
        let chosen = typeof name === "string" ? name : undefined;
        if (chosen == null && usingServer()) {
            const useLocal = "Use Local Models";
            const choice = await vscode.window.showInformationMessage(`Specula: completions come from the llama.cpp server at ${server.display}, which runs its own model. Model pairs are for local models.`, useLocal);
            if (choice !== useLocal)
                return undefined;
            await config.update("backend", "local");
        }
        if (chosen == null) {
            const current = config.settings.selectedPair;
            const items = config.modelPairs.map((pair) => ({
                label: pair.name,
                description: pair.name === current ? "$(check) selected" : pair.origin === "settings" ? "from settings" : "preset",
                detail: pair.description ?? `target ${describeModelUri(pair.target)}${pair.draft != null ? ` · draft ${describeModelUri(pair.draft)}` : ""}`
            }));
            const picked = await vscode.window.showQuickPick(items, {
                title: "Specula: select a model pair",
                placeHolder: "A target model and the draft model that speculates for it"
            });
            chosen = picked?.label;
        }
        if (chosen == null)
            return undefined;
        if (!config.modelPairs.some((pair) => pair.name === chosen)) {
            void vscode.window.showErrorMessage(`Specula: there is no model pair named "${chosen}".`);
            return undefined;
        }
        if (chosen !== config.settings.selectedPair)
            await config.update("selectedPair", chosen);
        return chosen;
    };

    const setServerApiKey = async (key?: unknown) => {
        let value = typeof key === "string" ? key : undefined;
        if (value == null) {
            value = await vscode.window.showInputBox({
                title: "Specula: llama.cpp server API key",
                prompt: `The key llama-server was started with (--api-key). Kept in VS Code's secret storage, never in settings. Empty removes it.`,
                password: true,
                ignoreFocusOut: true
            });
            if (value == null)
                return;
        }
        await server.setApiKey(value);
        vscode.window.setStatusBarMessage(`Specula: llama.cpp server API key ${value.trim() === "" ? "removed" : "saved"}`, 2000);
    };

    const downloadModels = async () => {
        if (usingServer()) {
            void vscode.window.showInformationMessage(`Specula: completions come from the llama.cpp server at ${server.display}, which loads its own models. Set specula.backend to "local" to use (and download) model pairs.`);
            return false;
        }
        return controller.downloadSelectedPair();
    };

    const showMenu = async () => {
        const settings = config.settings;
        const entries: { label: string; description?: string; command: string }[] = usingServer() ? [
            { label: settings.enable ? "$(circle-slash) Turn completions off" : "$(check) Turn completions on", command: commandIds.toggleCompletions },
            { label: "$(debug-restart) Reconnect to the llama.cpp server", description: server.display, command: commandIds.restartEngine },
            { label: "$(key) Set the server's API key…", command: commandIds.setServerApiKey },
            { label: "$(graph) Show statistics", command: commandIds.showStatistics },
            { label: "$(symbol-class) Use local models…", description: "model pairs", command: commandIds.selectModelPair },
            { label: "$(output) Open log", command: commandIds.openLog }
        ] : [
            { label: settings.enable ? "$(circle-slash) Turn completions off" : "$(check) Turn completions on", command: commandIds.toggleCompletions },
            { label: settings.speculative ? "$(debug-stop) Turn speculative decoding off" : "$(zap) Turn speculative decoding on", description: settings.speculative ? "compare with the target alone" : undefined, command: commandIds.toggleSpeculative },
            { label: "$(symbol-class) Select model pair…", description: settings.selectedPair, command: commandIds.selectModelPair },
            { label: "$(cloud-download) Download models of the selected pair", command: commandIds.downloadModels },
            { label: "$(graph) Show statistics", command: commandIds.showStatistics },
            { label: "$(debug-restart) Restart engine", command: commandIds.restartEngine },
            ...buildEntries(llamaCppBuildOffer(controller.info, settings.speculative)),
            { label: "$(output) Open log", command: commandIds.openLog }
        ];
        const picked = await vscode.window.showQuickPick(entries, { title: "Specula" });
        if (picked != null)
            await vscode.commands.executeCommand(picked.command);
    };

    return [
        vscode.commands.registerCommand(commandIds.toggleCompletions, toggleCompletions),
        vscode.commands.registerCommand(commandIds.toggleSpeculative, toggleSpeculative),
        vscode.commands.registerCommand(commandIds.selectModelPair, selectModelPair),
        vscode.commands.registerCommand(commandIds.downloadModels, downloadModels),
        vscode.commands.registerCommand(commandIds.showStatistics, () => statistics.show()),
        vscode.commands.registerCommand(commandIds.restartEngine, () => backends.restart()),
        vscode.commands.registerCommand(commandIds.setServerApiKey, setServerApiKey),
        vscode.commands.registerCommand(commandIds.openLog, () => log.show(true)),
        vscode.commands.registerCommand(commandIds.showMenu, showMenu),
        vscode.commands.registerCommand(commandIds.buildLlamaCpp, () => buildForThisMachine({ config, controller, backends, log })),
        vscode.commands.registerCommand(commandIds.usePrebuiltLlamaCpp, () => usePrebuilt({ config, controller, backends, log })),
        vscode.commands.registerCommand(acceptedCommand, () => {
            if (log.logLevel <= vscode.LogLevel.Debug && log.logLevel !== vscode.LogLevel.Off)
                log.debug(`timing ${JSON.stringify({ event: "accepted", at: epochNow() })}`);
            stats.addAccepted();
            // VS Code does not ask again after an accept; the next suggestion (usually prefetched
            // while this one was shown) should appear without another keystroke. Tab asks in the
            // editor itself already (package.json binds it to commit + trigger, a round trip through
            // this host sooner); this covers the other ways to accept (the hover's button). VS Code
            // answers a second trigger at the same place from the request in flight or done.
            void vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        })
    ];
}

function buildEntries(offer: BuildOffer | undefined): Array<{ label: string; description: string; command: string }> {
    if (offer == null)
        return [];
    return offer.action === "usePrebuilt"
        ? [{ label: "$(package) Use the prebuilt llama.cpp", description: offer.description, command: commandIds.usePrebuiltLlamaCpp }]
        : [{ label: "$(tools) Build llama.cpp for this machine…", description: offer.description, command: commandIds.buildLlamaCpp }];
}
