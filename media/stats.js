// Draws the Specula statistics view from the snapshots the extension posts. Plain SVG, no library:
// the view must work offline and under a strict Content-Security-Policy.
// @ts-check
(function () {
    "use strict";
    const vscode = acquireVsCodeApi();
    const SVG = "http://www.w3.org/2000/svg";
    const maxBars = 60;

    /** @param {string} tag @param {Record<string, string | number>} attributes @param {Element} [parent] */
    function el(tag, attributes, parent) {
        const node = document.createElementNS(SVG, tag);
        for (const [key, value] of Object.entries(attributes))
            node.setAttribute(key, String(value));
        if (parent)
            parent.appendChild(node);
        return node;
    }

    /**
     * The smallest "nice" axis top at or above `value` whose quarter is a round step (0.25, 0.5,
     * 1, 2, 2.5, 5 × a power of ten), so the four grid lines get readable labels.
     * @param {number} value
     */
    function niceMax(value) {
        if (!(value > 0))
            return 1;
        const quarter = value / 4;
        const power = Math.pow(10, Math.floor(Math.log10(quarter)));
        for (const step of [1, 2, 2.5, 5, 10])
            if (step * power >= quarter)
                return 4 * step * power;
        return 40 * power;
    }

    /** @param {number} ms */
    function formatMs(ms) {
        return ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
    }

    /**
     * A frame with a y axis from 0 to `max`, four grid lines and labels; returns a y() mapper,
     * the plot's x range and the svg.
     * @param {string} id @param {number} max @param {(v: number) => string} format
     */
    function frame(id, max, format) {
        const svg = /** @type {SVGSVGElement} */ (document.getElementById(id));
        while (svg.firstChild)
            svg.removeChild(svg.firstChild);
        const width = svg.clientWidth || 420;
        const height = svg.clientHeight || 190;
        svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
        const left = 52, right = 8, top = 8, bottom = 18;
        const y = (/** @type {number} */ v) => top + (height - top - bottom) * (1 - Math.min(v, max) / max);
        for (let i = 0; i <= 4; i++) {
            const v = (max * i) / 4;
            el("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: i === 0 ? "axis" : "grid" }, svg);
            const label = el("text", { x: left - 6, y: y(v) + 3, "text-anchor": "end" }, svg);
            label.textContent = format(v);
        }
        return { svg, y, left, right: width - right, bottom: height - bottom, height };
    }

    /** @param {SVGSVGElement} svg @param {string} text */
    function empty(svg, text) {
        const label = el("text", { x: "50%", y: "50%", "text-anchor": "middle", class: "empty" }, svg);
        label.textContent = text;
    }

    /** @param {any[]} points */
    function drawAcceptance(points) {
        const f = frame("chart-acceptance", 1, (v) => `${Math.round(v * 100)}%`);
        const shown = points.filter((p) => p.speculative).slice(-maxBars);
        if (shown.length === 0)
            return empty(f.svg, "No speculative requests yet");
        const x = (/** @type {number} */ i) => f.left + ((i + 0.5) * (f.right - f.left)) / shown.length;
        shown.forEach((p, i) => {
            if (p.acceptanceRate === undefined || p.acceptanceRate === null)
                return;
            const dot = el("circle", { cx: x(i), cy: f.y(p.acceptanceRate), r: 3, class: "series-a", fill: "currentColor" }, f.svg);
            el("title", {}, dot).textContent = `${Math.round(p.acceptanceRate * 100)}% accepted`;
        });
        const path = shown.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${f.y(p.rollingAcceptanceRate).toFixed(1)}`).join(" ");
        el("path", { d: path, fill: "none", stroke: "currentColor", "stroke-width": 2, class: "series-b" }, f.svg);
    }

    /** @param {any[]} points */
    function drawTokensPerEval(points) {
        const shown = points.slice(-maxBars);
        const max = niceMax(Math.max(2, ...shown.map((p) => p.tokensPerTargetEval)));
        const f = frame("chart-tpe", max, (v) => `${+v.toFixed(2)}`);
        if (shown.length === 0)
            return empty(f.svg, "No requests yet");
        const slot = (f.right - f.left) / shown.length;
        shown.forEach((p, i) => {
            const bar = el("rect", {
                x: f.left + i * slot + slot * 0.15, width: Math.max(1, slot * 0.7),
                y: f.y(p.tokensPerTargetEval), height: Math.max(0, f.bottom - f.y(p.tokensPerTargetEval)),
                class: p.speculative ? "series-a" : "series-off", fill: "currentColor"
            }, f.svg);
            el("title", {}, bar).textContent = `${p.tokensPerTargetEval.toFixed(2)} tokens per target eval${p.speculative ? "" : " (target only)"}`;
        });
    }

    /** @param {any[]} points */
    function drawTime(points) {
        const shown = points.slice(-maxBars);
        const max = niceMax(Math.max(1, ...shown.map((p) => p.draftMs + p.targetMs)));
        const f = frame("chart-time", max, formatMs);
        if (shown.length === 0)
            return empty(f.svg, "No requests yet");
        const slot = (f.right - f.left) / shown.length;
        shown.forEach((p, i) => {
            const x = f.left + i * slot + slot * 0.15;
            const width = Math.max(1, slot * 0.7);
            const draftTop = f.y(p.draftMs);
            const totalTop = f.y(p.draftMs + p.targetMs);
            el("rect", { x, width, y: draftTop, height: Math.max(0, f.bottom - draftTop), class: "series-draft", fill: "currentColor" }, f.svg);
            const target = el("rect", { x, width, y: totalTop, height: Math.max(0, draftTop - totalTop), class: "series-target", fill: "currentColor" }, f.svg);
            el("title", {}, target).textContent = `draft ${Math.round(p.draftMs)} ms, target ${Math.round(p.targetMs)} ms, ${p.generatedTokens} tokens`;
        });
    }

    /** @param {any[]} points */
    function drawSpeedup(points) {
        const shown = points.filter((p) => p.speedup !== undefined && p.speedup !== null).slice(-maxBars);
        const max = niceMax(Math.max(2, ...shown.map((p) => p.speedup)));
        const f = frame("chart-speedup", max, (v) => `${+v.toFixed(2)}×`);
        if (shown.length === 0)
            return empty(f.svg, "No speculative requests yet");
        el("line", { x1: f.left, x2: f.right, y1: f.y(1), y2: f.y(1), class: "axis", "stroke-dasharray": "4 3" }, f.svg);
        const x = (/** @type {number} */ i) => f.left + ((i + 0.5) * (f.right - f.left)) / shown.length;
        const path = shown.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${f.y(p.speedup).toFixed(1)}`).join(" ");
        el("path", { d: path, fill: "none", stroke: "currentColor", "stroke-width": 2, class: "series-speedup" }, f.svg);
        shown.forEach((p, i) => {
            const dot = el("circle", { cx: x(i), cy: f.y(p.speedup), r: 2.5, class: "series-speedup", fill: "currentColor" }, f.svg);
            el("title", {}, dot).textContent = `${p.speedup.toFixed(2)}×`;
        });
    }

    /** @param {string} value @param {string} label */
    function card(value, label) {
        const node = document.createElement("div");
        node.className = "card";
        const big = document.createElement("div");
        big.className = "value";
        big.textContent = value;
        const small = document.createElement("div");
        small.className = "label";
        small.textContent = label;
        node.append(big, small);
        return node;
    }

    /** @param {any} message */
    function render(message) {
        const { snapshot, pair, speculating } = message;
        const w = snapshot.window;
        const speedups = snapshot.points.filter((p) => p.speedup !== undefined && p.speedup !== null).slice(-20).map((p) => p.speedup).sort((a, b) => a - b);
        const medianSpeedup = speedups.length > 0 ? speedups[Math.floor(speedups.length / 2)] : undefined;
        const cards = document.getElementById("cards");
        if (cards) {
            cards.replaceChildren(
                card(w.requests > 0 ? `${Math.round(w.acceptanceRate * 100)}%` : "–", `acceptance (last ${w.requests} requests)`),
                card(w.requests > 0 ? w.tokensPerTargetEval.toFixed(2) : "–", "tokens per target eval"),
                card(w.requests > 0 ? w.tokensPerSecond.toFixed(1) : "–", "tokens per second (decoding)"),
                card(medianSpeedup !== undefined ? `${medianSpeedup.toFixed(2)}×` : "–", "estimated speedup (median, last 20)"),
                card(`${snapshot.suggestionsAccepted} / ${snapshot.suggestionsShown}`, `suggestions accepted / shown (${snapshot.cacheHits} ready without a new generation)`),
                card(snapshot.timeToSuggestion && snapshot.timeToSuggestion.p50Ms !== undefined ? `${Math.round(snapshot.timeToSuggestion.p50Ms)} ms` : "–", `time to suggestion (median of the last ${snapshot.timeToSuggestion ? snapshot.timeToSuggestion.count : 0})`)
            );
        }
        const subtitle = document.getElementById("subtitle");
        if (subtitle)
            subtitle.textContent = `${pair ?? "No model pair"} · speculative decoding ${speculating ? "on" : "off"} · ${snapshot.points.length} requests this session`;
        const baseline = document.getElementById("baseline");
        if (baseline) {
            baseline.textContent = snapshot.baselineSource === "measured"
                ? `Speedup uses the target-alone speed measured in this session (${snapshot.baselineMsPerToken.toFixed(1)} ms per token).`
                : snapshot.baselineSource === "estimated"
                    ? "Speedup is an upper-bound estimate (one target pass counted as one target-alone token). Toggle speculative decoding off for a few completions to measure the real baseline."
                    : "";
        }
        drawAcceptance(snapshot.points);
        drawTokensPerEval(snapshot.points);
        drawTime(snapshot.points);
        drawSpeedup(snapshot.points);
    }

    let last;
    window.addEventListener("message", (event) => {
        if (event.data && event.data.type === "stats") {
            last = event.data;
            render(last);
        }
    });
    window.addEventListener("resize", () => {
        if (last)
            render(last);
    });
    vscode.postMessage({ type: "ready" });
})();
