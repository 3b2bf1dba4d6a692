// Browser end-to-end sessions: code-server with the extension under development, a workspace folder
// open, driven by Debian Chromium through playwright-core, with helpers that act as a person would
// (Quick Open, typing in the editor, ghost text, Tab, the command palette, the status bar, Ctrl+S).
//
//   const s = await openBrowserSession({ extensionDevelopmentPath: EXT, workspace: WS });
//   try {
//       await s.openFile("sample.ts");
//       await s.typeInEditor("const x = ");
//       const ghost = await s.waitForGhostText();
//       await s.acceptGhostText();
//       await s.save();
//   } finally { await s.dispose(); }
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { launchChromium } from "./chromium";
import { CodeServer, type Settings } from "./CodeServer";

/** Editor settings that keep the suggest widget from competing with inline completions for Tab. */
export const BROWSER_SESSION_SETTINGS: Settings = {
    "editor.quickSuggestions": { other: "off", comments: "off", strings: "off" },
    "editor.wordBasedSuggestions": "off",
    "editor.suggestOnTriggerCharacters": false,
    "editor.parameterHints.enabled": false,
    "editor.autoClosingBrackets": "never",
    "editor.autoClosingQuotes": "never",
    "editor.autoIndent": "none",
    "editor.formatOnType": false,
    "editor.minimap.enabled": false,
    "files.autoSave": "off"
};

export interface BrowserSessionOptions {
    /** Extension under development (dir with package.json). */
    extensionDevelopmentPath: string;
    /** Folder to open. */
    workspace: string;
    /** User settings, over DEFAULT_TEST_SETTINGS and BROWSER_SESSION_SETTINGS. */
    settings?: Settings;
    /** Machine-scoped settings (code-server's remote machine settings). */
    machineSettings?: Settings;
    /** Extra environment for code-server and its extension host. */
    env?: NodeJS.ProcessEnv;
    /** More code-server arguments (e.g. `--log debug`). */
    extraServerArgs?: string[];
    /** Receives page console lines and code-server output (default: dropped; see `logs`). */
    log?: (line: string) => void;
    viewport?: { width: number; height: number };
    /** Default timeout for the helpers, ms (default 30 s). */
    timeoutMs?: number;
}

export interface BrowserSession {
    readonly page: Page;
    readonly context: BrowserContext;
    readonly server: CodeServer;
    readonly workspace: string;
    /** Console lines of the page, and code-server's output (prefixed `[code-server]`). */
    readonly logs: string[];
    /** Opens a workspace-relative file through Quick Open (Ctrl+P) and waits for its editor. */
    openFile(relativePath: string): Promise<void>;
    /** The active editor (`.editor-instance .monaco-editor`). */
    activeEditor(): Locator;
    /** Clicks into the active editor's text; `atEnd` (default true) then moves to the end (Ctrl+End). */
    focusEditor(options?: { atEnd?: boolean }): Promise<void>;
    /** Focuses the editor and types (the editor input is an EditContext: keyboard.type, not fill). */
    typeInEditor(text: string, options?: { atEnd?: boolean; delayMs?: number }): Promise<void>;
    /** Presses a key or chord (playwright names: "Tab", "Escape", "Control+Space", …). */
    press(key: string): Promise<void>;
    /** Ghost text now shown in the active editor ("" when none); extra lines joined with "\n". */
    ghostText(): Promise<string>;
    /** Waits until ghost text shows (and contains `contains`, when given); returns it. */
    waitForGhostText(options?: { contains?: string; timeoutMs?: number }): Promise<string>;
    /** Waits until no ghost text shows. */
    waitForNoGhostText(options?: { timeoutMs?: number }): Promise<void>;
    /** Presses Tab and waits until the accepted text is in the editor. */
    acceptGhostText(): Promise<void>;
    /**
     * Runs `action` (key presses) and measures, in the page, the time from its last keydown to ghost
     * text being shown; with `newSuggestion`, ghost text that is not the one shown before the action
     * (after Tab the accepted one goes and the next one comes). Resolves with the time and the text.
     */
    measureGhostText(action: () => Promise<void>, options?: { newSuggestion?: boolean; timeoutMs?: number }): Promise<{ ms: number; text: string }>;
    /** Text of the active editor's visible lines. NOTE: includes ghost text; read the file for truth. */
    visibleEditorText(): Promise<string>;
    /** Runs a command by its palette title (F1, type, Enter). */
    runCommand(title: string): Promise<void>;
    /** The status bar item: by its id (`ext.id.itemId`, or just `itemId`) or by a substring of its aria-label. */
    statusBarItem(idOrLabel: string): Locator;
    /** Text of that status bar item (waits for it to show). */
    statusBarText(idOrLabel: string, options?: { timeoutMs?: number }): Promise<string>;
    /** Ctrl+S, then waits until the active tab is no longer dirty. */
    save(): Promise<void>;
    /** Reads a workspace-relative file from disk. */
    readWorkspaceFile(relativePath: string): string;
    screenshot(filePath: string): Promise<void>;
    dispose(): Promise<void>;
}

/** Starts code-server + Chromium and opens the workbench on `workspace` with the extension loaded. */
export async function openBrowserSession(options: BrowserSessionOptions): Promise<BrowserSession> {
    const workspace = path.resolve(options.workspace);
    const extensionDevelopmentPath = path.resolve(options.extensionDevelopmentPath);
    const timeout = options.timeoutMs ?? 30_000;
    const logs: string[] = [];
    const log = (line: string) => {
        logs.push(line);
        if (logs.length > 5000) logs.splice(0, 2500);
        options.log?.(line);
    };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "specula-browser-"));
    let server: CodeServer | undefined;
    let context: BrowserContext | undefined;
    try {
        server = await CodeServer.start({
            root: path.join(root, "code-server"),
            settings: { ...BROWSER_SESSION_SETTINGS, ...(options.settings ?? {}) },
            ...(options.machineSettings != null ? { machineSettings: options.machineSettings } : {}),
            env: options.env,
            ...(options.extraServerArgs != null ? { extraArgs: options.extraServerArgs } : {}),
            onOutput: (l) => log(`[code-server] ${l}`)
        });
        context = await launchChromium({ root: path.join(root, "chromium"), viewport: options.viewport });
        context.setDefaultTimeout(timeout);
        const page = context.pages()[0] ?? (await context.newPage());
        page.on("console", (msg) => log(`[console ${msg.type()}] ${msg.text().replace(/%c/g, "")}`));
        page.on("pageerror", (err) => log(`[page error] ${err.message}`));
        await page.goto(server.workbenchUrl({ folder: workspace, extensionDevelopmentPath }));
        await page.locator(".monaco-workbench").waitFor({ timeout: Math.max(timeout, 60_000) });
        await page.locator("#workbench\\.parts\\.statusbar").waitFor({ timeout: Math.max(timeout, 60_000) });
        return makeSession(page, context, server, workspace, root, logs, timeout);
    } catch (err) {
        await context?.close().catch(() => undefined);
        await server?.dispose();
        fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
        if (err instanceof Error) err.message += `\n--- last log lines ---\n${logs.slice(-30).join("\n")}`;
        throw err;
    }
}

function cssString(s: string): string {
    return JSON.stringify(s);
}

function makeSession(
    page: Page,
    context: BrowserContext,
    server: CodeServer,
    workspace: string,
    root: string,
    logs: string[],
    timeout: number
): BrowserSession {
    const activeEditor = () => page.locator(".editor-instance .monaco-editor").first();
    const ghostParts = () => activeEditor().locator(".ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text, .suggest-preview-text");

    /** The visible lines of the active editor without ghost text: what the document holds there. */
    const documentText = (): Promise<string> => activeEditor().evaluate((editor) => {
        const lines = Array.from(editor.querySelectorAll(".view-lines .view-line")).map((line) => {
            const copy = line.cloneNode(true) as HTMLElement;
            for (const ghost of Array.from(copy.querySelectorAll(".ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text, .suggest-preview-text")))
                ghost.remove();
            return { top: parseFloat((line as HTMLElement).style.top) || 0, text: copy.textContent ?? "" };
        });
        return lines.sort((a, b) => a.top - b.top).map((line) => line.text).join("\n").replace(/\u00a0/g, " ");
    });

    const ghostText = async (): Promise<string> => {
        // Inline part: spans on the cursor line; extra lines: `.ghost-text` view zones.
        const inline = await activeEditor()
            .locator(".ghost-text-decoration, .ghost-text-decoration-preview")
            .allTextContents();
        // Extra lines: `.ghost-text .view-line` view zones in older builds, `.suggest-preview-text` in VS Code 1.139.
        const extra = await activeEditor().locator(".ghost-text .view-line, .suggest-preview-text").allTextContents();
        const parts = [inline.join("")].concat(extra);
        return parts.join("\n").replace(/\u00a0/g, " ").replace(/\n+$/, "");
    };

    const waitUntil = async (what: string, check: () => Promise<boolean>, ms: number): Promise<void> => {
        const deadline = Date.now() + ms;
        for (;;) {
            if (await check()) return;
            if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
            await page.waitForTimeout(100);
        }
    };

    const focusEditor = async (opts: { atEnd?: boolean } = {}) => {
        await activeEditor().locator(".view-lines").click();
        if (opts.atEnd ?? true) await page.keyboard.press("Control+End");
    };

    const statusBarItem = (idOrLabel: string): Locator => {
        const q = cssString(idOrLabel);
        return page
            .locator(
                `#workbench\\.parts\\.statusbar .statusbar-item[id=${q}], ` +
                    `#workbench\\.parts\\.statusbar .statusbar-item[id$=${cssString("." + idOrLabel)}], ` +
                    `#workbench\\.parts\\.statusbar .statusbar-item[aria-label*=${q}]`
            )
            .first();
    };

    const session: BrowserSession = {
        page,
        context,
        server,
        workspace,
        logs,
        async openFile(relativePath: string) {
            const name = path.basename(relativePath);
            await page.keyboard.press("Control+P");
            const input = page.locator(".quick-input-widget .quick-input-box input");
            await input.waitFor({ state: "visible" });
            await input.fill(relativePath);
            // Wait for a result that is this file before pressing Enter.
            await page
                .locator(`.quick-input-widget .monaco-list-row[aria-label*=${cssString(name)}]`)
                .first()
                .waitFor({ state: "visible" });
            await page.keyboard.press("Enter");
            await page
                .locator(`.tabs-container .tab.active[aria-label*=${cssString(name)}], .title .label-name:text-is(${cssString(name)})`)
                .first()
                .waitFor({ state: "visible" });
            await activeEditor().locator(".view-lines").waitFor({ state: "visible" });
        },
        activeEditor,
        focusEditor,
        async typeInEditor(text: string, opts: { atEnd?: boolean; delayMs?: number } = {}) {
            await focusEditor({ atEnd: opts.atEnd });
            await page.keyboard.type(text, { delay: opts.delayMs ?? 20 });
        },
        async press(key: string) {
            await page.keyboard.press(key);
        },
        ghostText,
        async waitForGhostText(opts: { contains?: string; timeoutMs?: number } = {}) {
            let last = "";
            await waitUntil(
                opts.contains ? `ghost text containing ${JSON.stringify(opts.contains)}` : "ghost text",
                async () => {
                    last = (await ghostParts().count()) > 0 ? await ghostText() : "";
                    return last.length > 0 && (!opts.contains || last.includes(opts.contains));
                },
                opts.timeoutMs ?? timeout
            );
            return last;
        },
        async waitForNoGhostText(opts: { timeoutMs?: number } = {}) {
            await waitUntil("ghost text to go", async () => (await ghostParts().count()) === 0, opts.timeoutMs ?? timeout);
        },
        async acceptGhostText() {
            // The accepted text lands in the document; the ghost text may not go (a prefetched next
            // suggestion can take its place at once), so wait for the document's own text to change.
            const before = await documentText();
            await page.keyboard.press("Tab");
            await waitUntil("the accepted text in the editor", async () => (await documentText()) !== before, timeout);
        },
        async measureGhostText(action: () => Promise<void>, opts: { newSuggestion?: boolean; timeoutMs?: number } = {}) {
            // Page-side: the time of the last keydown, and whether the ghost text went away since.
            await page.evaluate(() => {
                const state = window as unknown as { __speculaProbe?: { keyAt: number; gone: boolean; before: string; text(): string } };
                const text = () => {
                    const editor = document.querySelector(".editor-instance .monaco-editor");
                    if (editor == null) return "";
                    const inline = Array.from(editor.querySelectorAll(".ghost-text-decoration, .ghost-text-decoration-preview")).map((node) => node.textContent ?? "").join("");
                    const extra = Array.from(editor.querySelectorAll(".ghost-text .view-line, .suggest-preview-text")).map((node) => node.textContent ?? "");
                    return [inline, ...extra].join("\n").replace(/\u00a0/g, " ").replace(/\n+$/, "");
                };
                if (state.__speculaProbe == null) {
                    state.__speculaProbe = { keyAt: 0, gone: false, before: "", text };
                    window.addEventListener("keydown", () => { state.__speculaProbe!.keyAt = performance.now(); }, true);
                }
                state.__speculaProbe.before = text();
                state.__speculaProbe.gone = state.__speculaProbe.before === "";
            });
            await action();
            const handle = await page.waitForFunction((newSuggestion: boolean) => {
                const probe = (window as unknown as { __speculaProbe: { keyAt: number; gone: boolean; before: string; text(): string } }).__speculaProbe;
                const now = probe.text();
                if (now === "") {
                    probe.gone = true;
                    return false;
                }
                if (newSuggestion && !probe.gone && now === probe.before)
                    return false;
                return { ms: performance.now() - probe.keyAt, text: now };
            }, opts.newSuggestion === true, { polling: 10, timeout: opts.timeoutMs ?? timeout });
            return (await handle.jsonValue()) as { ms: number; text: string };
        },
        async visibleEditorText() {
            const lines = await activeEditor().locator(".view-lines .view-line").evaluateAll((els) =>
                els
                    .map((e) => ({ top: parseFloat((e as HTMLElement).style.top) || 0, text: e.textContent ?? "" }))
                    .sort((a, b) => a.top - b.top)
                    .map((l) => l.text)
            );
            return lines.join("\n").replace(/\u00a0/g, " ");
        },
        async runCommand(title: string) {
            await page.keyboard.press("F1");
            const input = page.locator(".quick-input-widget .quick-input-box input");
            await input.waitFor({ state: "visible" });
            await input.fill(`>${title}`);
            await page
                .locator(`.quick-input-widget .monaco-list-row[aria-label*=${cssString(title)}]`)
                .first()
                .waitFor({ state: "visible" });
            await page.keyboard.press("Enter");
            await input.waitFor({ state: "hidden" });
        },
        statusBarItem,
        async statusBarText(idOrLabel: string, opts: { timeoutMs?: number } = {}) {
            const item = statusBarItem(idOrLabel);
            await item.waitFor({ state: "visible", timeout: opts.timeoutMs ?? timeout });
            return ((await item.innerText()) || (await item.getAttribute("aria-label")) || "").trim();
        },
        async save() {
            await page.keyboard.press("Control+S");
            await page.locator(".tabs-container .tab.active.dirty").waitFor({ state: "detached" });
        },
        readWorkspaceFile(relativePath: string) {
            return fs.readFileSync(path.join(workspace, relativePath), "utf8");
        },
        async screenshot(filePath: string) {
            fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
            await page.screenshot({ path: filePath });
        },
        async dispose() {
            await context.close().catch(() => undefined);
            await server.dispose();
            fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
        }
    };
    return session;
}
