// Composition root: builds every object explicitly, wires them together and registers each
// disposable with the extension context. No singletons; nothing else creates long-lived objects.
import * as vscode from "vscode";
import { settingsSchemaFromPackageJson } from "./config/settingsSchema";
import { SpeculaConfig } from "./vscode/SpeculaConfig";
import { EngineClient } from "./engineHost/EngineClient";
import { BackendSwitch } from "./vscode/BackendSwitch";
import { registerCommands } from "./vscode/commands";
import type { BackendState } from "./vscode/BackendState";
import { EngineController } from "./vscode/EngineController";
import { SpeculaInlineCompletionProvider, type CompletionOutcome } from "./vscode/InlineCompletionProvider";
import { NextEditController } from "./vscode/NextEditController";
import { ServerController, serverApiKeySecret } from "./vscode/ServerController";
import { SessionStats } from "./vscode/SessionStats";
import { StatisticsPanel } from "./vscode/StatisticsPanel";
import { StatusBar, type StatusView } from "./vscode/StatusBar";

/** What `activate` returns: read by the extension-host tests, not a public API. */
export interface SpeculaTestApi {
    readonly engineState: () => BackendState;
    readonly status: () => StatusView;
    readonly provider: SpeculaInlineCompletionProvider;
    readonly nextEdit: NextEditController;
    readonly lastOutcome: () => CompletionOutcome | undefined;
    readonly enginePid: () => number | undefined;
    readonly statisticsVisible: () => boolean;
    readonly onDidChangeState: vscode.Event<BackendState>;
    /** Where the extension may write: its log folder and storage folders (the privacy test scans them). */
    readonly storagePaths: { readonly log: string; readonly global: string; readonly workspace?: string };
}

export async function activate(context: vscode.ExtensionContext): Promise<SpeculaTestApi> {
    const log = vscode.window.createOutputChannel("Specula", { log: true });
    context.subscriptions.push(log);

    const config = new SpeculaConfig(settingsSchemaFromPackageJson(context.extension.packageJSON), (message) => log.warn(message));
    context.subscriptions.push(config);

    const client = new EngineClient({
        hostScript: vscode.Uri.joinPath(context.extensionUri, "dist", "engineHost.js").fsPath,
        log: (level, message) => {
            if (level === "trace")
                log.trace(message);
            else
                log[level](message);
        }
    });
    context.subscriptions.push({ dispose: () => void client.dispose() });

    const storage = context.globalStorageUri;
    const controller = new EngineController(config, client, {
        modelDirectory: vscode.Uri.joinPath(storage, "models").fsPath,
        fixtureDirectory: vscode.Uri.joinPath(storage, "fixtures").fsPath,
        stateDirectory: vscode.Uri.joinPath(storage, "state").fsPath
    }, log);
    context.subscriptions.push(controller);

    // specula.backend: the engine above, or a llama.cpp server; everything below talks to `backends`.
    const server = new ServerController(config, context.secrets, log);
    context.subscriptions.push(server);
    const backends = new BackendSwitch(config, controller, server, log);
    context.subscriptions.push(backends);

    const stats = new SessionStats();
    const statusBar = new StatusBar(backends, config, stats);
    context.subscriptions.push(statusBar);

    const statistics = new StatisticsPanel(context.extensionUri, stats, backends);
    context.subscriptions.push(statistics);

    const provider = new SpeculaInlineCompletionProvider({ controller: backends, config, stats, statusBar, log });
    context.subscriptions.push(provider, vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, provider));

    // Next-edit suggestions: their own engine process, so the completion pair stays as it is.
    const storageFolders = {
        modelDirectory: vscode.Uri.joinPath(storage, "models").fsPath,
        fixtureDirectory: vscode.Uri.joinPath(storage, "fixtures").fsPath,
        stateDirectory: vscode.Uri.joinPath(storage, "state").fsPath
    };
    const nextEdit = new NextEditController(config, () => new EngineClient({
        hostScript: vscode.Uri.joinPath(context.extensionUri, "dist", "engineHost.js").fsPath,
        log: (level, message) => level === "trace" ? log.trace(`[next edit] ${message}`) : log[level](`[next edit] ${message}`)
    }), storageFolders, log, { serverApiKey: () => Promise.resolve(context.secrets.get(serverApiKeySecret)) });
    context.subscriptions.push(nextEdit, vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, nextEdit));

    context.subscriptions.push(...registerCommands({ config, controller, backends, server, stats, statistics, log }));
    context.subscriptions.push(vscode.commands.registerCommand("specula.toggleNextEdit", () => nextEdit.toggle()));

    log.info(`Specula ${String(context.extension.packageJSON.version)} activated${vscode.workspace.isTrusted ? "" : " in an untrusted workspace (model settings come from user settings only)"}.`);
    // Loading (or connecting) runs in the background; activation must not wait for a model.
    void backends.start();

    return {
        engineState: () => backends.state,
        status: () => statusBar.view,
        provider,
        nextEdit,
        lastOutcome: () => provider.lastOutcome,
        enginePid: () => client.pid,
        statisticsVisible: () => statistics.visible,
        onDidChangeState: backends.onDidChangeState,
        storagePaths: {
            log: context.logUri.fsPath,
            global: context.globalStorageUri.fsPath,
            ...(context.storageUri != null ? { workspace: context.storageUri.fsPath } : {})
        }
    };
}

export function deactivate(): void {
    // Everything is disposed through context.subscriptions; the engine process is shut down there.
}
