// Helpers the extension-host suites share. They run inside VS Code (they import `vscode`), unlike
// suiteSetup.ts, which the launcher outside VS Code reads too.
import * as vscode from "vscode";
import type { SpeculaTestApi } from "../../src/extension";
import type { BackendState } from "../../src/vscode/BackendState";

export const specula = () => vscode.workspace.getConfiguration("specula");
export const setUser = (key: string, value: unknown) => specula().update(key, value, vscode.ConfigurationTarget.Global);

export function describeState(state: BackendState): string {
    return JSON.stringify(state, (key, value: unknown) => (key === "info" ? "…" : value));
}

/** Resolves once `predicate(state)` holds (now or after a change). */
export function waitForState(api: SpeculaTestApi, predicate: (state: BackendState) => boolean, what: string, timeoutMs = 45_000): Promise<BackendState> {
    if (predicate(api.engineState()))
        return Promise.resolve(api.engineState());
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            subscription.dispose();
            reject(new Error(`timed out waiting for ${what}; state is ${describeState(api.engineState())}`));
        }, timeoutMs);
        const subscription = api.onDidChangeState((state) => {
            if (predicate(state)) {
                clearTimeout(timer);
                subscription.dispose();
                resolve(state);
            }
        });
    });
}

export const readyWith = (pair: string) => (state: BackendState) => state.kind === "ready" && state.pair.name === pair;

/** Asks the provider directly, as an explicit (Invoke) trigger does: no debounce. */
export function requestCompletion(api: SpeculaTestApi, document: vscode.TextDocument, position: vscode.Position, token = new vscode.CancellationTokenSource().token) {
    const context: vscode.InlineCompletionContext = { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined };
    return api.provider.provideInlineCompletionItems(document, position, context, token);
}

export function itemText(item: vscode.InlineCompletionItem): string {
    return typeof item.insertText === "string" ? item.insertText : item.insertText.value;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
