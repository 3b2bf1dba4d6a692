// The real-editor latency run (issue 21): code-server + Chromium with the extension under development
// and the built-in code pair (the padded, cost-realistic target), threads 1. A typing client writes
// real code held out from the models' corpora (vscode-jsonrpc's lib/common files) at about 7
// characters a second, pausing at line ends and some word ends; at a pause it waits for ghost text
// and presses Tab when the suggestion is what it is about to write. Times are taken in the page, per
// animation frame, from the keydown; the extension host's debug "timing" lines (epoch ms, the same
// clock as the page's performance.timeOrigin + now) say where each shown suggestion's time went.
// Speculation on and off run in one session, interleaved per file (`specula.speculative`).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { acceptablePart, makeTypingScript } from "../../src/bench/typingReplay";
import { percentile } from "../../src/completion/percentile";
import { findPackageDir } from "../../src/cli/makeBenchTasks";
import { codePairName } from "../../src/config/modelPairs";
import { openBrowserSession, type BrowserSession } from "../launchers/openBrowserSession";

export interface RealUiOptions {
    /** The extension under development (the repository root, built: dist/). */
    readonly extension: string;
    /** Files typed (absolute paths); defaults to {@link realUiFiles}(1). */
    readonly files: readonly string[];
    /** Characters typed per file and mode. */
    readonly chars: number;
    /** Modes to run, interleaved per file. */
    readonly modes: readonly ("speculative" | "targetOnly")[];
    /** Longest wait for ghost text at a pause, ms (the bench's 2 000). */
    readonly pauseMs?: number;
    /** Time spent reading a matching suggestion before Tab, ms (the bench's 400). */
    readonly readMs?: number;
    /** Typical gap between keys within a word, ms (jittered ±40 %); 130 ≈ 7 characters a second with the slower keys after spaces. */
    readonly charMs?: number;
    /**
     * Tab-Tab-Tab spots per file and mode (default 2): after typing, at the end of lines spread over
     * the rest of the file, press Enter, wait for a suggestion and accept whatever shows up to three
     * times in a row (as `specula latency`'s chains do), then revert the file.
     */
    readonly chains?: number;
    /** Copy the server's log folder here at the end (to read every debug line). */
    readonly keepLogs?: string;
    /** Extension settings over the run's (e.g. to try a debounce). */
    readonly settings?: Record<string, unknown>;
    readonly log: (line: string) => void;
}

/** A key the user waited on (the last before a pause, or a Tab) and the ghost text that followed. */
export interface TimedKey {
    readonly mode: string;
    /** Keydown (page clock, epoch ms) → first animation frame with (new) ghost text, ms; Infinity when none came within the pause, NaN when the extension answered that it had nothing to show. */
    readonly latencyMs: number;
    readonly keyAt: number;
    readonly ghostAt?: number;
    readonly stages?: StageTimes;
}

export interface RealUiPause extends TimedKey {
    readonly ghost?: string;
    readonly lineEnd: boolean;
}

export type RealUiTab = TimedKey;

/** Where one shown suggestion's time went, ms (see STAGES). */
export type StageTimes = Partial<Record<StageName, number>> & { readonly source?: string; readonly piece?: string; readonly trigger?: string; readonly asks: number };

export const STAGES = {
    toEdit: "keydown → extension host sees the edit",
    toAccepted: "keydown → the accepted item's command runs in the extension host (Tab only)",
    toProvider: "keydown → VS Code asks the provider",
    debounce: "provider asked → request sent to the engine host (debounce, queue in the pipeline)",
    toHost: "request sent → engine host received it",
    hostQueue: "engine host received → engine started (an earlier request finishing)",
    prompt: "prompt processing",
    firstPiece: "prompt done → first text sent",
    toAnswer: "first text sent → provider answered (waiting for a line or the budget, IPC)",
    providerTotal: "provider asked → answered",
    toDraw: "provider answered → ghost text drawn"
} as const;
export type StageName = keyof typeof STAGES;

export interface RealUiResult {
    readonly options: Omit<RealUiOptions, "log" | "extension">;
    readonly pauses: readonly RealUiPause[];
    readonly tabs: readonly RealUiTab[];
    /** Files whose saved text differed from the original with the typed and accepted text (text written without an accept, or a wrong accept). */
    readonly diverged: readonly string[];
    readonly load: readonly number[];
    readonly loadAfter: readonly number[];
    readonly wallMs: number;
    /** Page clock − this process's clock, ms, measured at the start (both epoch ms). */
    readonly pageClockOffsetMs: number;
    /** The extension host's timing lines, as logged. */
    readonly events: readonly TimingEvent[];
}

/** The held-out files: vscode-jsonrpc sources, as `specula latency` types them. */
export function realUiFiles(count: number): string[] {
    const dir = path.join(findPackageDir("vscode-jsonrpc"), "lib", "common");
    return ["linkedMap.js", "events.js", "messageBuffer.js", "cancellation.js"].slice(0, count).map((name) => path.join(dir, name));
}

export interface TimingEvent {
    readonly event: "answer" | "generation" | "improved" | "accepted";
    readonly seq?: number;
    readonly [key: string]: unknown;
}

/** Where each file is typed: from a line start about 900 characters in, as `specula latency` does. */
function typingInput(file: string, chars: number): { text: string; start: number; realText: string; document: string } {
    const text = fs.readFileSync(file, "utf8").replace(/\r\n?/g, "\n");
    const start = text.indexOf("\n", 900) + 1;
    const realText = text.slice(start, start + chars);
    return { text, start, realText, document: text.slice(0, start) + text.slice(start + chars) };
}

export async function runRealUiLatency(options: RealUiOptions): Promise<RealUiResult> {
    const started = Date.now();
    const load = os.loadavg();
    const pauseMs = options.pauseMs ?? 2000;
    const readMs = options.readMs ?? 400;
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "specula-realui-ws-"));
    const inputs = options.files.flatMap((file, index) => options.modes.map((mode, m) => {
        const input = typingInput(file, options.chars);
        const name = `${String(index + 1)}-${mode}-${path.basename(file)}`;
        fs.writeFileSync(path.join(workspace, name), input.document);
        return { file, name, mode, order: index % 2 === 0 ? m : options.modes.length - 1 - m, index, ...input };
    })).sort((a, b) => a.index - b.index || a.order - b.order);
    const settings = (speculative: boolean) => ({
        // The bench's settings (`specula latency`): up to 48 tokens and 8 lines; the product's debounce, budget and prefetch.
        "specula.maxTokens": 48,
        "specula.maxLines": 8,
        "specula.speculative": speculative,
        ...(options.settings ?? {})
    });
    let session: BrowserSession | undefined;
    const pauses: RealUiPause[] = [];
    const tabs: RealUiTab[] = [];
    const diverged: string[] = [];
    let pageClockOffsetMs = 0;
    let events: TimingEvent[] = [];
    try {
        session = await openBrowserSession({
            extensionDevelopmentPath: options.extension,
            workspace,
            settings: settings(options.modes[0] !== "targetOnly"),
            machineSettings: { "specula.selectedPair": codePairName, "specula.threads": 1, "specula.contextSize": 2048 },
            // The provider's timing lines are debug-level.
            extraServerArgs: ["--log", "debug"],
            viewport: { width: 1400, height: 900 },
            timeoutMs: 60_000
        });
        const page = session.page;
        options.log("code-server and Chromium are up; waiting for the code pair to load");
        await waitForStatus(session, /^Specula: (ready|generating)/, 600_000);
        const before = Date.now();
        const pageNow = await page.evaluate(() => performance.timeOrigin + performance.now());
        pageClockOffsetMs = pageNow - (before + Date.now()) / 2;
        await installProbe(page);
        let speculative = options.modes[0] !== "targetOnly";
        for (const input of inputs) {
            const wantSpeculative = input.mode === "speculative";
            if (wantSpeculative !== speculative) {
                // As a user does it: the palette's toggle (it writes `specula.speculative`).
                await page.mouse.move(5, 5);
                await session.runCommand("Specula: Toggle Speculative Decoding");
                await waitForStatus(session, wantSpeculative ? /^Specula: (ready|generating)/ : /^Specula: target only/, 30_000);
                speculative = wantSpeculative;
            }
            const typed = await typeFile(session, input, { pauseMs, readMs, charMs: options.charMs ?? 130, mode: input.mode, log: options.log });
            pauses.push(...typed.pauses);
            tabs.push(...typed.tabs);
            await session.save();
            const expected = input.text.slice(0, input.start) + input.realText.slice(0, typed.position) + input.text.slice(input.start + options.chars);
            const onDisk = session.readWorkspaceFile(input.name);
            if (onDisk !== expected) {
                diverged.push(input.name);
                let at = 0;
                while (at < onDisk.length && onDisk[at] === expected[at])
                    at++;
                options.log(`${input.name}: the saved file differs from the text typed and accepted at ${at - input.start} characters into the typed text: ${JSON.stringify(onDisk.slice(at - 20, at + 60))} instead of ${JSON.stringify(expected.slice(at - 20, at + 60))}`);
            }
            if (options.chains !== 0)
                tabs.push(...await tabChains(session, input, { spots: options.chains ?? 2, presses: 3, pauseMs, readMs, mode: input.mode }));
            // The chains' accepts are not kept: back to the saved file, then close it.
            await session.runCommand("File: Revert File");
            await page.keyboard.press("Control+W");
        }
        events = readTimingEvents(session.server.dirs.userData);
        const keyTimes = await page.evaluate(() => (window as unknown as { __realUi: { keys: Array<{ at: number }> } }).__realUi.keys.map((key) => key.at));
        if (options.keepLogs != null)
            fs.cpSync(path.join(session.server.dirs.userData, "logs"), options.keepLogs, { recursive: true });
        options.log(`${events.length} timing lines from the extension host`);
        attachStages(pauses, events, keyTimes);
        attachStages(tabs, events, keyTimes);
    } finally {
        await session?.dispose();
        fs.rmSync(workspace, { recursive: true, force: true });
    }
    return {
        options: { files: options.files, chars: options.chars, modes: options.modes, pauseMs, readMs, charMs: options.charMs ?? 130, ...(options.settings != null ? { settings: options.settings } : {}) },
        pauses, tabs, diverged, load, loadAfter: os.loadavg(), wallMs: Date.now() - started, pageClockOffsetMs, events
    };
}

async function waitForStatus(session: BrowserSession, pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let label = "";
    while (Date.now() < deadline) {
        label = (await session.statusBarItem("specula.status").getAttribute("aria-label", { timeout: 5000 }).catch(() => "")) ?? "";
        if (pattern.test(label))
            return;
        await session.page.waitForTimeout(250);
    }
    throw new Error(`status bar never matched ${pattern}; last label "${label}"`);
}

/**
 * Page side: every keydown's time, and per animation frame the ghost text when it changed (or a key
 * came since the last frame). With `window.__readNextEdit` set (see runNextEditLatency), a shown
 * next-edit suggestion (its decorations) counts as shown text too.
 */
export async function installProbe(page: Page): Promise<void> {
    await page.evaluate(() => {
        const probe = { keys: [] as Array<{ key: string; at: number }>, frames: [] as Array<{ text: string; at: number; keys: number }> };
        (window as unknown as { __realUi: typeof probe }).__realUi = probe;
        const epoch = () => performance.timeOrigin + performance.now();
        window.addEventListener("keydown", (event) => { probe.keys.push({ key: event.key, at: epoch() }); }, true);
        const ghost = () => {
            const editor = document.querySelector(".editor-instance .monaco-editor");
            if (editor == null)
                return "";
            const inline = Array.from(editor.querySelectorAll(".ghost-text-decoration, .ghost-text-decoration-preview")).map((node) => node.textContent ?? "").join("");
            const extra = Array.from(editor.querySelectorAll(".ghost-text .view-line, .suggest-preview-text")).map((node) => node.textContent ?? "");
            const ghostText = [inline, ...extra].join("\n").replace(/\u00a0/g, " ").replace(/\n+$/, "");
            const nextEdit = (window as unknown as { __readNextEdit?: () => { inserted: string[]; struck: string[] } }).__readNextEdit?.();
            return nextEdit == null || nextEdit.inserted.length + nextEdit.struck.length === 0 ? ghostText : `${ghostText}[edit: ${JSON.stringify(nextEdit.struck)} → ${JSON.stringify(nextEdit.inserted)}]`;
        };
        let lastText = "";
        let lastKeys = 0;
        const frame = () => {
            const text = ghost();
            if (text !== lastText || probe.keys.length !== lastKeys) {
                probe.frames.push({ text, at: epoch(), keys: probe.keys.length });
                lastText = text;
                lastKeys = probe.keys.length;
            }
            requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
    });
}

export interface ProbeState { readonly keys: number; readonly lastKeyAt: number }

export async function probeState(page: Page): Promise<ProbeState> {
    return page.evaluate(() => {
        const probe = (window as unknown as { __realUi: { keys: Array<{ at: number }> } }).__realUi;
        return { keys: probe.keys.length, lastKeyAt: probe.keys.at(-1)?.at ?? 0 };
    });
}

/**
 * Waits until a frame after key number `keys` shows ghost text (other than `not`, when given, unless
 * the ghost text went away in between: the same text suggested again is a new suggestion);
 * resolves with it and its time, or undefined after `timeoutMs`.
 */
export async function waitForGhost(page: Page, keys: number, timeoutMs: number, not?: string): Promise<{ text: string; at: number } | undefined> {
    const handle = await page.waitForFunction(({ keys, not }) => {
        const probe = (window as unknown as { __realUi: { frames: Array<{ text: string; at: number; keys: number }> } }).__realUi;
        for (let i = probe.frames.length - 1; i >= 0; i--) {
            const frame = probe.frames[i]!;
            if (frame.keys < keys)
                break;
            // The first frame since that key that showed this text.
            if (i === probe.frames.length - 1 && frame.text !== "") {
                let first = i;
                while (first > 0 && probe.frames[first - 1]!.keys >= keys && probe.frames[first - 1]!.text === frame.text)
                    first--;
                const cleared = first > 0 && probe.frames[first - 1]!.keys >= keys && probe.frames[first - 1]!.text === "";
                if (frame.text !== not || cleared)
                    return { text: frame.text, at: probe.frames[first]!.at };
            }
        }
        return false;
    }, { keys, not: not ?? null }, { polling: 20, timeout: timeoutMs }).catch(() => undefined);
    return handle == null ? undefined : ((await handle.jsonValue()) as { text: string; at: number });
}

async function typeFile(
    session: BrowserSession,
    input: { name: string; start: number; realText: string; document: string; index: number },
    options: { pauseMs: number; readMs: number; charMs: number; mode: string; log: (line: string) => void }
): Promise<{ pauses: RealUiPause[]; tabs: RealUiTab[]; position: number }> {
    const page = session.page;
    await session.openFile(input.name);
    await session.focusEditor({ atEnd: false });
    // To the line where typing starts (column 1), then let the extension warm the prompt there.
    const line = input.document.slice(0, input.start).split("\n").length;
    await page.keyboard.press("Control+G");
    await page.keyboard.type(String(line));
    await page.keyboard.press("Enter");
    const warmUps = countWarmUps(session.server.dirs.userData);
    await page.keyboard.press("Home");
    await page.keyboard.press("Home");
    // As `specula latency` does, start typing once the extension has warmed the prompt here (it
    // does so 400 ms after the cursor comes to rest); on a busy machine that can take seconds.
    const warmedBy = Date.now() + 60_000;
    while (countWarmUps(session.server.dirs.userData) <= warmUps && Date.now() < warmedBy)
        await page.waitForTimeout(250);
    await page.waitForTimeout(500);
    const script = makeTypingScript(input.realText, { seed: input.index + 1, pauseMs: options.pauseMs, charMs: options.charMs });
    const pauses: RealUiPause[] = [];
    const tabs: RealUiTab[] = [];
    let position = 0;
    let afterWait = false;
    while (position < input.realText.length) {
        const key = script[position]!;
        const gap = afterWait ? Math.min(key.gapMs, 150) : key.gapMs;
        afterWait = false;
        if (position > 0)
            await page.waitForTimeout(gap);
        await page.keyboard.press(key.char === "\n" ? "Enter" : key.char === " " ? "Space" : key.char === "\t" ? "Tab" : key.char);
        position++;
        const next = script[position];
        if (next != null && next.gapMs < options.pauseMs)
            continue;
        afterWait = true;
        const state = await probeState(page);
        let shown = await waitForGhost(page, state.keys, options.pauseMs);
        pauses.push({
            mode: options.mode, latencyMs: shown != null ? shown.at - state.lastKeyAt : Infinity, keyAt: state.lastKeyAt,
            ...(shown != null ? { ghostAt: shown.at, ghost: shown.text } : {}), lineEnd: key.char === "\n"
        });
        while (shown != null && position < input.realText.length) {
            await page.waitForTimeout(options.readMs);
            let current = (await session.ghostText()) || shown.text;
            let part = acceptablePart(current, input.realText.slice(position));
            if (part === "" || part !== current)
                break;
            // In a line's leading whitespace VS Code's Tab indents instead of accepting: the user types
            // the suggestion's indentation (typing through it keeps the suggestion), then presses Tab.
            const lineSoFar = input.realText.slice(0, position).split("\n").at(-1)!;
            const indent = /^[ \t]+/.exec(current)?.[0] ?? "";
            if (indent !== "" && /^[ \t]*$/.test(lineSoFar)) {
                for (const char of indent) {
                    await page.keyboard.press(char === " " ? "Space" : "Tab");
                    position++;
                    await page.waitForTimeout(options.charMs);
                }
                await page.waitForTimeout(100);
                current = await session.ghostText();
                part = acceptablePart(current, input.realText.slice(position));
                if (part === "" || part !== current)
                    break;
            }
            const tab = await pressKey(page, "Tab");
            position += part.length;
            shown = position < input.realText.length ? await waitForGhost(page, tab.keys, options.pauseMs, current) : undefined;
            tabs.push({ mode: options.mode, latencyMs: shown != null ? shown.at - tab.lastKeyAt : Infinity, keyAt: tab.lastKeyAt, ...(shown != null ? { ghostAt: shown.at } : {}) });
        }
    }
    options.log(`${input.name}: ${pauses.length} pauses, ${pauses.filter((pause) => Number.isFinite(pause.latencyMs)).length} with ghost text; ${tabs.length} accepts`);
    return { pauses, tabs, position };
}

/** Tab-Tab-Tab at `spots` line ends after the typed text: each Tab → the next ghost text. */
async function tabChains(
    session: BrowserSession,
    input: { start: number; realText: string; text: string; document: string },
    options: { spots: number; presses: number; pauseMs: number; readMs: number; mode: string }
): Promise<RealUiTab[]> {
    const page = session.page;
    // The editor holds the original text again up to the typed end; spots after it, as in the file.
    const typedEnd = input.start + input.realText.length;
    const lineAt = (end: number) => input.text.slice(input.text.lastIndexOf("\n", end - 1) + 1, end);
    const ends = [...input.text.matchAll(/\n/g)].map((match) => match.index).filter((index) => index > typedEnd + 40 && index < input.text.length - 400 && lineAt(index).trim().length >= 12);
    const tabs: RealUiTab[] = [];
    for (let spot = 0; spot < options.spots && ends.length > 0; spot++) {
        const end = ends[Math.floor(((spot + 0.5) / options.spots) * ends.length)]!;
        const line = input.text.slice(0, end).split("\n").length;
        const warmUps = countWarmUps(session.server.dirs.userData);
        await page.keyboard.press("Control+G");
        await page.keyboard.type(String(line));
        await page.keyboard.press("Enter");
        await page.keyboard.press("End");
        const warmedBy = Date.now() + 30_000;
        while (countWarmUps(session.server.dirs.userData) <= warmUps && Date.now() < warmedBy)
            await page.waitForTimeout(250);
        // Arrive as a user does who goes on writing after this line: Enter (the session's VS Code has
        // auto-indent off, so the new line starts at column 1 and the suggestion brings its own
        // indentation). The code pair completes the line it is on and then stops, so at the end of
        // a complete line it has nothing to show.
        const key = await pressKey(page, "Enter");
        let shown = await waitForGhost(page, key.keys, options.pauseMs * 2);
        for (let press = 0; press < options.presses && shown != null; press++) {
            await page.waitForTimeout(options.readMs);
            let current = (await session.ghostText()) || shown.text;
            // On the new line's indentation VS Code's Tab indents instead of accepting: as the
            // typing client does, type the suggestion's own indentation first.
            const indent = press === 0 ? /^[ \t]+/.exec(current)?.[0] ?? "" : "";
            if (indent !== "") {
                for (const char of indent)
                    await page.keyboard.press(char === " " ? "Space" : "Tab");
                await page.waitForTimeout(100);
                current = await session.ghostText();
                if (current === "")
                    break;
            }
            const tab = await pressKey(page, "Tab");
            shown = await waitForGhost(page, tab.keys, options.pauseMs, current);
            tabs.push({ mode: options.mode, latencyMs: shown != null ? shown.at - tab.lastKeyAt : Infinity, keyAt: tab.lastKeyAt, ...(shown != null ? { ghostAt: shown.at } : {}) });
        }
        await page.keyboard.press("Escape");
    }
    return tabs;
}

/** Warm-ups the extension logged to the end (not interrupted). */
function countWarmUps(userData: string): number {
    let count = 0;
    const visit = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory())
                visit(full);
            else if (entry.name.endsWith(".log"))
                count += [...fs.readFileSync(full, "utf8").matchAll(/\[debug\] warm-up: (?!.*\(interrupted\)).*$/gm)].length;
        }
    };
    visit(path.join(userData, "logs"));
    return count;
}

export async function pressKey(page: Page, key: string): Promise<ProbeState> {
    await page.keyboard.press(key);
    return probeState(page);
}

/** The extension host's `timing {json}` debug lines, from the log files under the server's user-data dir. */
export function readTimingEvents(userData: string): TimingEvent[] {
    const events: TimingEvent[] = [];
    const visit = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory())
                visit(full);
            else if (entry.name.endsWith(".log"))
                for (const match of fs.readFileSync(full, "utf8").matchAll(/ timing (\{.*\})\s*$/gm))
                    events.push(JSON.parse(match[1]!) as TimingEvent);
        }
    };
    visit(path.join(userData, "logs"));
    return events;
}

/**
 * For each pause that got ghost text: the provider's last answer with a suggestion between the key
 * and the drawn frame, and that answer's generation (when it was a new one), as stage times. A key
 * without ghost text counts as "nothing to show" (NaN) when every answer before the next key
 * (`keyTimes`: every keydown in the page, epoch ms) or within 2.5 s said so or was canceled.
 */
export function attachStages(pauses: TimedKey[], events: readonly TimingEvent[], keyTimes: readonly number[] = []): void {
    const answers = events.filter((event) => event.event === "answer") as Array<TimingEvent & { seq: number; calledAt: number; answeredAt: number; lastEditAt?: number; kind: string; canceled: boolean; source?: string; piece?: string; trigger: string }>;
    const accepts = events.flatMap((event) => (event.event === "accepted" && typeof event.at === "number" ? [event.at] : []));
    const generations = new Map(events.filter((event) => event.event === "generation").map((event) => [event.seq!, event as TimingEvent & { requestedAt: number; firstTextAt?: number; shownAt: number; host?: { receivedAt: number; firstTextSentAt?: number; answeredAt: number }; enginePromptMs: number; engineTotalMs: number }]));
    // Clocks of different processes on one machine: allow a few ms either way.
    const slack = 5;
    for (const [index, pause] of pauses.entries()) {
        const asked = answers.filter((answer) => answer.calledAt >= pause.keyAt - slack && (pause.ghostAt == null || answer.answeredAt <= pause.ghostAt + slack));
        // The accepted item's command, when this key was a Tab that accepted.
        const ghostAt = pause.ghostAt;
        const accepted = accepts.find((at) => at >= pause.keyAt - slack && at <= (ghostAt ?? pause.keyAt + 2500) + slack);
        if (ghostAt == null) {
            // No ghost text: did the extension say it had nothing (before the user's next key)?
            const nextKeyAt = keyTimes.find((at) => at > pause.keyAt + 1) ?? Infinity;
            const window = answers.filter((answer) => answer.calledAt >= pause.keyAt - slack && answer.calledAt <= Math.min(nextKeyAt, pause.keyAt + 2500));
            const nothing = window.length > 0 && window.every((answer) => answer.kind === "empty" || answer.canceled) && window.some((answer) => answer.kind === "empty");
            pauses[index] = { ...pause, latencyMs: nothing ? NaN : pause.latencyMs, stages: { asks: window.length, ...(window.length > 0 ? { toProvider: window[0]!.calledAt - pause.keyAt } : {}), ...(accepted != null ? { toAccepted: accepted - pause.keyAt } : {}) } };
            continue;
        }
        const shownBy = asked.filter((answer) => answer.kind === "suggestion" && !answer.canceled).at(-1);
        if (shownBy == null) {
            pauses[index] = { ...pause, stages: { asks: asked.length } };
            continue;
        }
        const stages: Record<string, number | string> = {
            asks: asked.length, source: shownBy.source ?? "", piece: shownBy.piece ?? "", trigger: shownBy.trigger,
            toProvider: asked[0]!.calledAt - pause.keyAt, providerTotal: shownBy.answeredAt - shownBy.calledAt, toDraw: ghostAt - shownBy.answeredAt,
            ...(accepted != null ? { toAccepted: accepted - pause.keyAt } : {})
        };
        if (shownBy.lastEditAt != null && shownBy.lastEditAt >= pause.keyAt - slack)
            stages.toEdit = shownBy.lastEditAt - pause.keyAt;
        const generation = generations.get(shownBy.seq);
        if (generation != null) {
            stages.debounce = generation.requestedAt - shownBy.calledAt;
            const host = generation.host;
            if (host != null) {
                const engineStart = host.answeredAt - generation.engineTotalMs;
                stages.toHost = host.receivedAt - generation.requestedAt;
                stages.hostQueue = Math.max(0, engineStart - host.receivedAt);
                stages.prompt = generation.enginePromptMs;
                if (host.firstTextSentAt != null) {
                    stages.firstPiece = host.firstTextSentAt - (engineStart + generation.enginePromptMs);
                    stages.toAnswer = shownBy.answeredAt - host.firstTextSentAt;
                }
            }
        }
        pauses[index] = { ...pause, stages: stages as unknown as StageTimes };
    }
}

function fmt(value: number | undefined): string {
    return value == null || Number.isNaN(value) ? "—" : Number.isFinite(value) ? `${Math.round(value)}` : "∞";
}

export interface ModeSummary {
    readonly pauses: number;
    readonly withGhost: number;
    readonly nothing: number;
    readonly keystroke: { readonly p50?: number; readonly p95?: number };
    /** Tab → next over the presses after which there was something to show; `nothing`: presses after which the extension answered that it had nothing. */
    readonly tab: { readonly count: number; readonly nothing: number; readonly p50?: number; readonly p95?: number };
    readonly stages: Partial<Record<StageName, number>>;
    /** The same stages over the Tab presses (keydown = the Tab). */
    readonly tabStages: Partial<Record<StageName, number>>;
    readonly sources: Record<string, number>;
}

function medianStages(keys: readonly TimedKey[]): Partial<Record<StageName, number>> {
    const stages: Partial<Record<StageName, number>> = {};
    for (const name of Object.keys(STAGES) as StageName[]) {
        const median = percentile(keys.flatMap((key) => (key.stages?.[name] != null ? [key.stages[name]!] : [])), 50);
        if (median != null)
            stages[name] = median;
    }
    return stages;
}

export function summarizeMode(result: RealUiResult, mode: string): ModeSummary {
    const pauses = result.pauses.filter((pause) => pause.mode === mode);
    const waited = pauses.filter((pause) => !Number.isNaN(pause.latencyMs)).map((pause) => pause.latencyMs);
    // A Tab the extension saw no accept for indented instead (VS Code's Tab in leading whitespace).
    const allTabs = result.tabs.filter((tab) => tab.mode === mode && tab.stages?.toAccepted != null).map((tab) => tab.latencyMs);
    const tabs = allTabs.filter((ms) => !Number.isNaN(ms));
    const stages = medianStages(pauses);
    const tabStages = medianStages(result.tabs.filter((tab) => tab.mode === mode && tab.stages?.toAccepted != null));
    const sources: Record<string, number> = {};
    for (const pause of pauses) {
        // "kept": ghost text VS Code kept showing while the user typed through it (no new answer needed).
        const source = pause.stages?.source ?? (Number.isNaN(pause.latencyMs) ? "nothing" : pause.ghostAt == null ? "none" : "kept");
        sources[source] = (sources[source] ?? 0) + 1;
    }
    return {
        pauses: pauses.length, withGhost: pauses.filter((pause) => pause.ghostAt != null).length, nothing: pauses.filter((pause) => Number.isNaN(pause.latencyMs)).length,
        keystroke: { p50: percentile(waited, 50), p95: percentile(waited, 95) },
        tab: { count: tabs.length, nothing: allTabs.length - tabs.length, p50: percentile(tabs, 50), p95: percentile(tabs, 95) },
        stages, tabStages, sources
    };
}

const modeNames: Record<string, string> = { speculative: "speculative (product default)", targetOnly: "target alone" };

export function formatRealUiMarkdown(result: RealUiResult): string {
    const lines: string[] = [];
    const { options } = result;
    lines.push(`Built-in code pair (padded target), threads 1, up to 48 tokens and 8 lines, the product's debounce, budget and prefetch; ${options.files.map((file) => path.basename(file)).join(", ")} × ${options.chars} characters per mode; keys ~${options.charMs} ms apart (jittered), pauses up to ${options.pauseMs} ms at line ends and ~15 % of word ends; load average at start ${result.load.map((value) => value.toFixed(2)).join(", ")}, at the end ${result.loadAfter.map((value) => value.toFixed(2)).join(", ")}; wall time ${(result.wallMs / 60000).toFixed(1)} min; page clock − runner clock ${result.pageClockOffsetMs.toFixed(1)} ms.`, "");
    lines.push("| mode | pauses | with ghost text | nothing to show | keystroke → ghost text p50 / p95 ms | accepts (nothing to show after) | Tab → next ghost text p50 / p95 ms | shown by (new / live / prefetch / cache / kept while typing) |", "|---|--:|--:|--:|--:|--:|--:|---|");
    for (const mode of options.modes) {
        const summary = summarizeMode(result, mode);
        const share = summary.pauses - summary.nothing > 0 ? `${summary.withGhost} (${Math.round((summary.withGhost / (summary.pauses - summary.nothing)) * 100)} %)` : "0";
        const by = ["new", "live", "prefetch", "cache", "kept"].map((source) => summary.sources[source] ?? 0).join(" / ");
        lines.push(`| ${modeNames[mode] ?? mode} | ${summary.pauses} | ${share} | ${summary.nothing} | ${fmt(summary.keystroke.p50)} / ${fmt(summary.keystroke.p95)} | ${summary.tab.count + summary.tab.nothing} (${summary.tab.nothing}) | ${fmt(summary.tab.p50)} / ${fmt(summary.tab.p95)} | ${by} |`);
    }
    lines.push("", "Where a shown suggestion's time went (medians over the pauses that got ghost text, ms; page, extension host and engine host on one clock; the engine stages only for suggestions from a new generation):", "");
    lines.push(`| stage | ${options.modes.map((mode) => modeNames[mode] ?? mode).join(" | ")} |`, `|---|${options.modes.map(() => "--:").join("|")}|`);
    const summaries = options.modes.map((mode) => summarizeMode(result, mode));
    for (const [name, label] of (Object.entries(STAGES) as Array<[StageName, string]>).filter(([name]) => name !== "toAccepted"))
        lines.push(`| ${label} | ${summaries.map((summary) => fmt(summary.stages[name])).join(" | ")} |`);
    lines.push("", "The same for Tab → next ghost text (keydown = the Tab; Tab accepts and asks VS Code to ask again, the accepted item's command asks again too, and VS Code sometimes asks by itself; \"asks the provider\" is over every press, the others over those that got ghost text):", "");
    lines.push(`| stage | ${options.modes.map((mode) => modeNames[mode] ?? mode).join(" | ")} |`, `|---|${options.modes.map(() => "--:").join("|")}|`);
    for (const name of ["toEdit", "toAccepted", "toProvider", "providerTotal", "toDraw"] as const)
        lines.push(`| ${STAGES[name]} | ${summaries.map((summary) => fmt(summary.tabStages[name])).join(" | ")} |`);
    if (result.diverged.length > 0)
        lines.push("", `Saved text differed from what was typed and accepted in: ${result.diverged.join(", ")}.`);
    lines.push("");
    return lines.join("\n");
}

/** One line per mode, for CI logs. */
export function realUiSummaryLines(result: RealUiResult): string[] {
    return result.options.modes.map((mode) => {
        const summary = summarizeMode(result, mode);
        return `real UI, ${modeNames[mode] ?? mode}: keystroke → ghost text p50 ${fmt(summary.keystroke.p50)} p95 ${fmt(summary.keystroke.p95)} ms over ${summary.pauses - summary.nothing} pauses (${summary.withGhost} with ghost text, ${summary.nothing} nothing to show); Tab → next p50 ${fmt(summary.tab.p50)} p95 ${fmt(summary.tab.p95)} ms over ${summary.tab.count} (${summary.tab.nothing} more with nothing to show), VS Code asked again after p50 ${fmt(summary.tabStages.toProvider)} ms; stages ${Object.entries(summary.stages).map(([name, ms]) => `${name} ${fmt(ms)}`).join(", ")}`;
    });
}
