// "Build llama.cpp for This Machine" and "Use the Prebuilt llama.cpp": compile the llama.cpp that
// node-llama-cpp ships for this CPU (and GPU setting), then restart the engine so it loads it.
import * as vscode from "vscode";
import { buildLlamaCpp, missingBuildTools, removeLlamaCppBuild } from "../engineHost/buildLlamaCpp";
import type { BackendSwitch } from "./BackendSwitch";
import type { EngineController } from "./EngineController";
import type { SpeculaConfig } from "./SpeculaConfig";

export interface LlamaCppBuildDependencies {
    readonly config: SpeculaConfig;
    readonly controller: EngineController;
    readonly backends: BackendSwitch;
    readonly log: vscode.LogOutputChannel;
}

/** Returns true when llama.cpp was built and the engine restarted. */
export async function buildForThisMachine(deps: LlamaCppBuildDependencies): Promise<boolean> {
    const { config, controller, backends, log } = deps;
    const missing = missingBuildTools();
    if (missing.length > 0) {
        void vscode.window.showErrorMessage(`Specula: building llama.cpp for this machine needs ${missing.join(", ")} on the PATH. Install ${missing.length === 1 ? "it" : "them"} and run the command again; until then the prebuilt llama.cpp keeps working.`);
        return false;
    }
    const build = "Build";
    const gpu = config.settings.gpu;
    const choice = await vscode.window.showInformationMessage(
        "Specula: compile llama.cpp for this machine?",
        {
            modal: true,
            detail: `It compiles the llama.cpp that Specula ships (no download) for this CPU${gpu === "off" ? "" : ` and GPU setting "${gpu}"`}: on a 2-core CPU about 10 minutes, with every core busy. Completions keep working meanwhile; the engine restarts with the new build when it is done. It is what makes Specula run where no prebuilt binary loads; where one does, it decodes the target alone no faster, but it evaluates a verify batch for fewer single-token evals, so speculation gains more (README: "Build llama.cpp for your CPU"): measure before keeping it. "Use the Prebuilt llama.cpp" goes back.`
        },
        build
    );
    if (choice !== build)
        return false;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "Specula: building llama.cpp", cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort(new vscode.CancellationError()));
        try {
            log.info(`Building llama.cpp for this machine (GPU setting "${gpu}")…`);
            await buildLlamaCpp({
                gpu,
                signal: abort.signal,
                onLine: (line) => {
                    log.info(`[llama.cpp build] ${line}`);
                    const step = /^\[(\d+)\/(\d+)\]/.exec(line);
                    if (step != null)
                        progress.report({ message: `step ${step[1]} of ${step[2]}` });
                }
            });
        } catch (error) {
            if (abort.signal.aborted) {
                log.info("The llama.cpp build was cancelled; the prebuilt llama.cpp stays in use.");
                return false;
            }
            const message = error instanceof Error ? error.message : String(error);
            log.error(message);
            void vscode.window.showErrorMessage(`Specula: ${message.split("\n")[0]} The prebuilt llama.cpp stays in use; the log has the build's output.`, "Open Log").then((open) => {
                if (open != null)
                    log.show(true);
            });
            return false;
        } finally {
            cancel.dispose();
        }
        progress.report({ message: "restarting the engine" });
        await backends.restart();
        const binary = controller.info?.binary;
        void vscode.window.showInformationMessage(binary === "localBuild"
            ? "Specula: llama.cpp was built for this machine, and the engine now uses it."
            : "Specula: llama.cpp was built, but the engine did not load the new build (the log says why); it keeps using the prebuilt one.");
        return binary === "localBuild";
    });
}

/** Removes the local builds and restarts the engine on the prebuilt binary. */
export async function usePrebuilt(deps: LlamaCppBuildDependencies): Promise<boolean> {
    const { backends, log } = deps;
    try {
        await removeLlamaCppBuild({ onLine: (line) => log.info(`[llama.cpp] ${line}`) });
    } catch (error) {
        void vscode.window.showErrorMessage(`Specula: could not remove the llama.cpp build: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
        return false;
    }
    await backends.restart();
    vscode.window.setStatusBarMessage("Specula: using the prebuilt llama.cpp", 3000);
    return true;
}
