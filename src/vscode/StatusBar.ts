// One status bar item: the engine's state, the live acceptance rate while speculating, and a tooltip
// with tokens per target eval and tok/s. Clicking it opens the Specula menu.
import * as vscode from "vscode";
import type { SpeculaConfig } from "../config/SpeculaConfig";
import type { EngineController, EngineState } from "./EngineController";
import type { SessionStats } from "./SessionStats";

export type StatusKind = "disabled" | "loading" | "ready" | "generating" | "speculationOff" | "needsDownload" | "downloading" | "error";

export interface StatusView {
    readonly kind: StatusKind;
    readonly text: string;
    readonly tooltip: string;
}

const spokenKind: Record<StatusKind, string> = {
    disabled: "completions off",
    loading: "loading",
    ready: "ready",
    generating: "generating",
    speculationOff: "target only",
    needsDownload: "models not downloaded",
    downloading: "downloading",
    error: "error"
};

export class StatusBar implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private readonly disposables: vscode.Disposable[] = [];
    private generating = 0;
    private lastRequest: { promptMs: number; totalMs: number; reused: number; prompt: number } | undefined;
    private currentView: StatusView = { kind: "loading", text: "", tooltip: "" };

    public constructor(
        private readonly controller: EngineController,
        private readonly config: SpeculaConfig,
        private readonly stats: SessionStats
    ) {
        this.item = vscode.window.createStatusBarItem("specula.status", vscode.StatusBarAlignment.Right, 100);
        this.item.name = "Specula";
        this.item.command = "specula.showMenu";
        this.disposables.push(
            this.item,
            controller.onDidChangeState(() => this.render()),
            stats.onDidChange(() => this.render())
        );
        this.render();
        this.item.show();
    }

    /** What the item shows now; the extension-host tests read it. */
    public get view(): StatusView {
        return this.currentView;
    }

    /** Marks a generation as running until the returned function is called. */
    public beginGenerating(): () => void {
        this.generating++;
        this.render();
        let ended = false;
        return () => {
            if (ended)
                return;
            ended = true;
            this.generating--;
            this.render();
        };
    }

    public recordRequest(promptMs: number, totalMs: number, reused: number, prompt: number): void {
        this.lastRequest = { promptMs, totalMs, reused, prompt };
    }

    public dispose(): void {
        for (const disposable of this.disposables)
            disposable.dispose();
    }

    private render(): void {
        const view = this.compute(this.controller.state);
        this.currentView = view;
        this.item.text = view.text;
        const tooltip = new vscode.MarkdownString(view.tooltip, true);
        tooltip.isTrusted = false;
        this.item.tooltip = tooltip;
        this.item.backgroundColor = view.kind === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground")
            : view.kind === "needsDownload" ? new vscode.ThemeColor("statusBarItem.warningBackground")
            : undefined;
        // Icons carry the state visually; the label says it in words (and tests read it).
        const rate = /\d+%/.exec(view.text)?.[0];
        this.item.accessibilityInformation = { label: `Specula: ${spokenKind[view.kind]}${rate != null ? `, acceptance ${rate}` : ""}`, role: "button" };
    }

    private compute(state: EngineState): StatusView {
        const footer = "\n\n---\n\nClick for the Specula menu.";
        switch (state.kind) {
            case "disabled":
                return { kind: "disabled", text: "$(circle-slash) Specula", tooltip: "**Specula: completions are off.**" + footer };
            case "idle":
            case "loading":
                return {
                    kind: "loading",
                    text: "$(loading~spin) Specula",
                    tooltip: `**Specula: loading** ${state.kind === "loading" ? escape(state.pair.name) : ""}…` + footer
                };
            case "restarting":
                return { kind: "loading", text: "$(loading~spin) Specula", tooltip: `**Specula: restarting the engine.**\n\n${escape(state.message)}` + footer };
            case "needsDownload":
                return { kind: "needsDownload", text: "$(cloud-download) Specula", tooltip: `**Specula:** ${escape(state.message)}\n\nRun *Download Models of the Selected Pair*.` + footer };
            case "downloading":
                return { kind: "downloading", text: `$(cloud-download) Specula ${Math.round(state.fraction * 100)}%`, tooltip: `**Specula: downloading** ${escape(state.pair.name)}` + footer };
            case "error":
                return { kind: "error", text: "$(error) Specula", tooltip: `**Specula: error.**\n\n${escape(state.message)}` + footer };
            case "ready":
                return this.readyView(state, footer);
        }
    }

    private readyView(state: Extract<EngineState, { kind: "ready" }>, footer: string): StatusView {
        const settings = this.config.settings;
        const summary = this.stats.acceptance;
        const snapshot = this.stats.snapshot();
        const lines = [`**Specula: ${escape(state.pair.name)}**`, ""];
        lines.push(`Target: ${escape(state.info.targetName)}${state.info.draftName != null ? ` · draft: ${escape(state.info.draftName)}` : ""}`);
        lines.push(`Context ${state.info.contextSize} tokens · ${state.info.gpu === false ? "CPU" : `GPU (${escape(String(state.info.gpu))})`}`);
        let kind: StatusKind = "ready";
        let text: string;
        if (!settings.enable) {
            kind = "disabled";
            text = "$(circle-slash) Specula";
        } else if (!settings.speculative || !state.info.speculationAvailable) {
            kind = "speculationOff";
            text = "$(debug-stop) Specula: target only";
            lines.push("", !settings.speculative
                ? "Speculative decoding is **off** (*Toggle Speculative Decoding* turns it on)."
                : `Speculative decoding is **unavailable**: ${escape(state.info.speculationUnavailableReason ?? "no compatible draft model")}`);
        } else {
            text = summary.requests > 0 ? `$(zap) Specula ${Math.round(summary.acceptanceRate * 100)}%` : "$(zap) Specula";
        }
        if (summary.requests > 0) {
            lines.push(
                "",
                `Acceptance (last ${summary.requests} requests): **${(summary.acceptanceRate * 100).toFixed(0)}%** (${summary.accepted} of ${summary.drafted} drafted tokens)`,
                `Tokens per target eval: **${summary.tokensPerTargetEval.toFixed(2)}**`,
                `Decoding speed: **${summary.tokensPerSecond.toFixed(1)} tok/s**`
            );
        }
        const latency = snapshot.timeToSuggestion;
        if (latency.count > 0 && latency.p50Ms != null)
            lines.push(`Time to suggestion (last ${latency.count}): **${Math.round(latency.p50Ms)} ms** median, ${Math.round(latency.p95Ms ?? latency.p50Ms)} ms p95`);
        if (this.lastRequest != null)
            lines.push(`Last request: ${Math.round(this.lastRequest.totalMs)} ms (prompt ${Math.round(this.lastRequest.promptMs)} ms, ${this.lastRequest.reused}/${this.lastRequest.prompt} prompt tokens from cache)`);
        if (snapshot.suggestionsShown > 0)
            lines.push(`Suggestions: ${snapshot.suggestionsAccepted} accepted of ${snapshot.suggestionsShown} shown`);
        if (this.generating > 0 && kind !== "disabled") {
            kind = kind === "speculationOff" ? kind : "generating";
            text = text.replace(/^\$\([^)]*\)/, "$(sync~spin)");
        }
        return { kind, text, tooltip: lines.join("\n\n") + footer };
    }
}

function escape(text: string): string {
    return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, "\\$&");
}
