import * as vscode from "vscode";

/**
 * Runs a model download under a cancellable progress notification titled for `pairName`. `run` gets
 * a reporter for the overall fraction done (0…1, with a line of text) and the signal that the
 * notification's Cancel aborts.
 */
export async function withDownloadProgress(
    pairName: string,
    run: (report: (fraction: number, message: string) => void, signal: AbortSignal) => Promise<unknown>
): Promise<void> {
    await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Specula: downloading "${pairName}"`, cancellable: true },
        async (progress, token) => {
            const abort = new AbortController();
            token.onCancellationRequested(() => abort.abort());
            let reported = 0;
            await run((fraction, message) => {
                progress.report({ increment: Math.max(0, (fraction - reported) * 100), message });
                reported = Math.max(reported, fraction);
            }, abort.signal);
        }
    );
}

/** The one message after a download that did not finish: a cancelled one is paused and resumes; anything else is an error. */
export function showDownloadStopped(cancelled: boolean, message: string): void {
    if (cancelled)
        void vscode.window.showInformationMessage("Specula: download paused. Run the download command again to continue where it stopped.");
    else
        void vscode.window.showErrorMessage(`Specula: ${message}`);
}
