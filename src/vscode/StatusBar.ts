// One status bar item: the engine's state, the live acceptance rate while speculating, and a tooltip
// with tokens per target eval and tok/s. Clicking it opens the Specula menu.
import * as vscode from "vscode";
import type { SpeculaConfig } from "./SpeculaConfig";
import type { ServerHealth } from "../llamaServer/LlamaServerBackend";
import type { CompletionEngine } from "./BackendSwitch";
import type { BackendState } from "./BackendState";
import { healthLabel } from "./ServerController";
import type { SessionStats } from "./SessionStats";

export type StatusKind = "disabled" | "loading" | "ready" | "generating" | "speculationOff" | "needsDownload" | "downloading" | "error"
    // A llama.cpp server that does not answer properly, by what is wrong.
    | "offline" | "unauthorized" | "slow" | "serverError" | "noFim";

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
    error: "error",
    offline: "server offline",
    unauthorized: "server API key rejected",
    slow: "server too slow",
    serverError: "server error",
    noFim: "server model cannot fill in the middle"
};

/** Status bar text and kind of a server that is not ready. */
const serverProblemView: Record<Exclude<ServerHealth["kind"], "ready" | "connecting" | "loading">, { kind: StatusKind; text: string; warning: boolean }> = {
    misconfigured: { kind: "error", text: "$(error) Specula: server address", warning: false },
    offline: { kind: "offline", text: "$(debug-disconnect) Specula: server offline", warning: true },
    unauthorized: { kind: "unauthorized", text: "$(key) Specula: server key rejected", warning: false },
    slow: { kind: "slow", text: "$(watch) Specula: server slow", warning: true },
    failing: { kind: "serverError", text: "$(error) Specula: server error", warning: false },
    noFim: { kind: "noFim", text: "$(circle-slash) Specula: no FIM model", warning: false }
};

export class StatusBar implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private readonly disposables: vscode.Disposable[] = [];
    private generating = 0;
    private lastRequest: { promptMs: number; totalMs: number; reused: number; prompt: number } | undefined;
    private currentView: StatusView = { kind: "loading", text: "", tooltip: "" };
    private warning = false;

    public constructor(
        private readonly controller: CompletionEngine,
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
        this.item.backgroundColor = view.kind === "needsDownload" || this.warning ? new vscode.ThemeColor("statusBarItem.warningBackground")
            : view.kind === "error" || view.kind === "unauthorized" || view.kind === "serverError" || view.kind === "noFim" ? new vscode.ThemeColor("statusBarItem.errorBackground")
            : undefined;
        // Icons carry the state visually; the label says it in words (and tests read it).
        const rate = /\d+%/.exec(view.text)?.[0];
        const state = this.controller.state;
        const server = state.kind === "server" ? `, llama-server ${state.display}` : "";
        this.item.accessibilityInformation = { label: `Specula: ${spokenKind[view.kind]}${server}${rate != null ? `, acceptance ${rate}` : ""}`, role: "button" };
    }

    private compute(state: BackendState): StatusView {
        const footer = "\n\n---\n\nClick for the Specula menu.";
        this.warning = false;
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
            case "server":
                return this.serverView(state, footer);
        }
    }

    private serverView(state: Extract<BackendState, { kind: "server" }>, footer: string): StatusView {
        const { health } = state;
        const where = escape(`llama-server at ${state.display}`);
        switch (health.kind) {
            case "connecting":
            case "loading":
                return {
                    kind: "loading",
                    text: "$(loading~spin) Specula",
                    tooltip: health.kind === "connecting" ? `**Specula: connecting to ${where}…**` + footer : `**Specula: ${where} is loading its model.**\n\n${escape(health.message)}` + footer
                };
            case "ready": {
                const model = health.model;
                const header = [
                    `**Specula: ${where}** (healthy)`,
                    "",
                    `Model: ${escape(model.name)} · context ${model.contextSize} tokens · ${model.slots} slot${model.slots > 1 ? "s" : ""}`
                ];
                if (!this.config.settings.enable)
                    return { kind: "disabled", text: "$(circle-slash) Specula", tooltip: "**Specula: completions are off.**" + footer };
                const speculating = model.speculative === true || (model.speculative == null && this.stats.acceptance.requests > 0);
                if (!speculating)
                    return this.withFigures("speculationOff", "$(server) Specula: target only", [
                        ...header, "", "The server decodes without speculation: start it with a draft model (`-md`) or `--spec-type` for draft-and-verify."
                    ], footer);
                const summary = this.stats.acceptance;
                return this.withFigures("ready", summary.requests > 0 ? `$(server) Specula ${Math.round(summary.acceptanceRate * 100)}%` : "$(server) Specula", [
                    ...header, "", "Speculative decoding runs on the server."
                ], footer);
            }
            default: {
                const problem = serverProblemView[health.kind];
                this.warning = problem.warning;
                const next = health.kind === "misconfigured" ? "Fix `specula.serverUrl` in your user settings."
                    : health.kind === "unauthorized" ? "Set the key with *Specula: Set llama.cpp Server API Key*; Specula retries by itself."
                    : health.kind === "noFim" ? "Run a code model with fill-in-the-middle tokens (e.g. Qwen2.5-Coder) on the server; Specula checks again by itself."
                    : "Specula retries by itself; completions resume when the server answers.";
                return {
                    kind: problem.kind,
                    text: problem.text,
                    tooltip: `**Specula: ${where}: ${healthLabel(health)}.**\n\n${escape(health.message)}\n\n${next}` + footer
                };
            }
        }
    }

    private readyView(state: Extract<BackendState, { kind: "ready" }>, footer: string): StatusView {
        const settings = this.config.settings;
        const summary = this.stats.acceptance;
        const lines = [`**Specula: ${escape(state.pair.name)}**`, ""];
        lines.push(`Target: ${escape(state.info.targetName)}${state.info.draftName != null ? ` · draft: ${escape(state.info.draftName)}` : ""}`);
        lines.push(`Context ${state.info.contextSize} tokens · ${state.info.gpu === false ? "CPU" : `GPU (${escape(String(state.info.gpu))})`} · ${state.info.binary === "localBuild" ? "llama.cpp built for this machine" : "prebuilt llama.cpp"}`);
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
        } else if (summary.idle) {
            text = "$(zap) Specula: idle";
            lines.push("", "Speculation is **idle**: drafting has not paid on this text lately, so the target decodes alone. It drafts again as soon as a proposal promises to be faster.");
        } else
            text = summary.requests > 0 ? `$(zap) Specula ${Math.round(summary.acceptanceRate * 100)}%` : "$(zap) Specula";
        return this.withFigures(kind, text, lines, footer);
    }

    /** Adds the session's figures to a ready state's tooltip, and the spinner while generating. */
    private withFigures(kind: StatusKind, text: string, lines: string[], footer: string): StatusView {
        const summary = this.stats.acceptance;
        const snapshot = this.stats.snapshot();
        if (summary.requests > 0)
            lines.push(
                "",
                `Acceptance (last ${summary.requests} requests): **${(summary.acceptanceRate * 100).toFixed(0)}%** (${summary.accepted} of ${summary.drafted} drafted tokens)`,
                `Tokens per target eval: **${summary.tokensPerTargetEval.toFixed(2)}**`,
                `Decoding speed: **${summary.tokensPerSecond.toFixed(1)} tok/s**`
            );
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
