// The palette commands (category "Specula") and the status bar menu that lists them.
import * as vscode from "vscode";
import { describeModelUri } from "../config/modelPairs";
import type { SpeculaConfig } from "../config/SpeculaConfig";
import type { EngineController } from "./EngineController";
import { acceptedCommand } from "./InlineCompletionProvider";
import type { SessionStats } from "./SessionStats";
import type { StatisticsPanel } from "./StatisticsPanel";

export const commandIds = {
    toggleCompletions: "specula.toggleCompletions",
    toggleSpeculative: "specula.toggleSpeculative",
    selectModelPair: "specula.selectModelPair",
    downloadModels: "specula.downloadModels",
    showStatistics: "specula.showStatistics",
    restartEngine: "specula.restartEngine",
    openLog: "specula.openLog",
    showMenu: "specula.showMenu"
} as const;

export interface CommandDependencies {
    readonly config: SpeculaConfig;
    readonly controller: EngineController;
    readonly stats: SessionStats;
    readonly statistics: StatisticsPanel;
    readonly log: vscode.LogOutputChannel;
}

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
    const { config, controller, stats, statistics, log } = deps;

    const toggleCompletions = async () => {
        const enable = !config.settings.enable;
        await config.update("enable", enable);
        vscode.window.setStatusBarMessage(`Specula: completions ${enable ? "on" : "off"}`, 2000);
    };

    const toggleSpeculative = async () => {
        const speculative = !config.settings.speculative;
        await config.update("speculative", speculative);
        vscode.window.setStatusBarMessage(`Specula: speculative decoding ${speculative ? "on" : "off (target only)"}`, 2000);
    };

    /** Returns the chosen pair's name, or undefined when the pick was dismissed. */
    const selectModelPair = async (name?: unknown): Promise<string | undefined> => {
        let chosen = typeof name === "string" ? name : undefined;
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

    const showMenu = async () => {
        const settings = config.settings;
        const entries: { label: string; description?: string; command: string }[] = [
            { label: settings.enable ? "$(circle-slash) Turn completions off" : "$(check) Turn completions on", command: commandIds.toggleCompletions },
            { label: settings.speculative ? "$(debug-stop) Turn speculative decoding off" : "$(zap) Turn speculative decoding on", description: settings.speculative ? "compare with the target alone" : undefined, command: commandIds.toggleSpeculative },
            { label: "$(symbol-class) Select model pair…", description: settings.selectedPair, command: commandIds.selectModelPair },
            { label: "$(cloud-download) Download models of the selected pair", command: commandIds.downloadModels },
            { label: "$(graph) Show statistics", command: commandIds.showStatistics },
            { label: "$(debug-restart) Restart engine", command: commandIds.restartEngine },
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
        vscode.commands.registerCommand(commandIds.downloadModels, () => controller.downloadSelectedPair()),
        vscode.commands.registerCommand(commandIds.showStatistics, () => statistics.show()),
        vscode.commands.registerCommand(commandIds.restartEngine, () => controller.restart()),
        vscode.commands.registerCommand(commandIds.openLog, () => log.show(true)),
        vscode.commands.registerCommand(commandIds.showMenu, showMenu),
        vscode.commands.registerCommand(acceptedCommand, () => {
            stats.addAccepted();
            // VS Code does not ask again after an accept; the next suggestion (usually prefetched
            // while this one was shown) should appear without another keystroke.
            void vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        })
    ];
}
