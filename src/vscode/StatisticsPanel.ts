// The statistics webview: acceptance over time, tokens per target eval, draft vs target time and
// the speedup over the target alone, drawn by media/stats.js from snapshots this panel posts (live, throttled).
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { CompletionEngine } from "./BackendSwitch";
import type { SessionStats, StatsSnapshot } from "./SessionStats";

/** What media/stats.js receives. */
export interface StatsMessage {
    readonly type: "stats";
    readonly snapshot: StatsSnapshot;
    readonly pair: string | undefined;
    readonly speculating: boolean;
}

export class StatisticsPanel implements vscode.Disposable {
    private panel: vscode.WebviewPanel | undefined;
    private readonly disposables: vscode.Disposable[] = [];
    private pending: NodeJS.Timeout | undefined;

    public constructor(
        private readonly extensionUri: vscode.Uri,
        private readonly stats: SessionStats,
        private readonly controller: CompletionEngine
    ) {
        this.disposables.push(
            stats.onDidChange(() => this.schedulePost()),
            controller.onDidChangeState(() => this.schedulePost())
        );
    }

    public get visible(): boolean {
        return this.panel != null;
    }

    public show(): void {
        if (this.panel != null) {
            this.panel.reveal(undefined, true);
            return;
        }
        const media = vscode.Uri.joinPath(this.extensionUri, "media");
        const panel = vscode.window.createWebviewPanel("specula.statistics", "Specula Statistics", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
            enableScripts: true,
            localResourceRoots: [media],
            retainContextWhenHidden: false
        });
        panel.iconPath = vscode.Uri.joinPath(media, "specula.svg");
        panel.webview.html = this.html(panel.webview, media);
        panel.webview.onDidReceiveMessage((message: { type?: string }) => {
            if (message?.type === "ready")
                this.post();
        });
        panel.onDidDispose(() => {
            this.panel = undefined;
        });
        this.panel = panel;
    }

    public dispose(): void {
        if (this.pending != null)
            clearTimeout(this.pending);
        this.panel?.dispose();
        for (const disposable of this.disposables)
            disposable.dispose();
    }

    private schedulePost(): void {
        if (this.panel == null || this.pending != null)
            return;
        // At most four updates a second however fast requests finish.
        this.pending = setTimeout(() => {
            this.pending = undefined;
            this.post();
        }, 250);
    }

    private post(): void {
        const state = this.controller.state;
        const message: StatsMessage = {
            type: "stats",
            snapshot: this.stats.snapshot(),
            pair: state.kind === "server" ? `llama-server at ${state.display}` : "pair" in state ? state.pair?.name : undefined,
            speculating: this.controller.speculating
        };
        void this.panel?.webview.postMessage(message);
    }

    private html(webview: vscode.Webview, media: vscode.Uri): string {
        const nonce = randomNonce();
        const script = webview.asWebviewUri(vscode.Uri.joinPath(media, "stats.js"));
        const style = webview.asWebviewUri(vscode.Uri.joinPath(media, "stats.css"));
        const csp = [
            "default-src 'none'",
            `style-src ${webview.cspSource}`,
            `img-src ${webview.cspSource}`,
            `script-src 'nonce-${nonce}'`
        ].join("; ");
        return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Specula Statistics</title>
</head>
<body>
<header>
  <h1>Specula statistics</h1>
  <p id="subtitle" class="muted">Waiting for the first completion…</p>
</header>
<section class="cards" id="cards"></section>
<section class="charts">
  <figure><figcaption>Acceptance rate per request <span class="legend"><i class="dot a"></i>request <i class="dot b"></i>rolling</span></figcaption><svg id="chart-acceptance" role="img" aria-label="Acceptance rate over time"></svg></figure>
  <figure><figcaption>Tokens per target eval</figcaption><svg id="chart-tpe" role="img" aria-label="Tokens per target evaluation"></svg></figure>
  <figure><figcaption>Decoding time per request <span class="legend"><i class="dot draft"></i>draft <i class="dot target"></i>target</span></figcaption><svg id="chart-time" role="img" aria-label="Draft and target milliseconds per request"></svg></figure>
  <figure><figcaption>Speedup over the target alone (measured)</figcaption><svg id="chart-speedup" role="img" aria-label="Speedup over the target alone"></svg></figure>
</section>
<p id="baseline" class="muted"></p>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
    }
}

function randomNonce(): string {
    return randomBytes(18).toString("base64url");
}
