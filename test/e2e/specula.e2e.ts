// Specula end to end in a real VS Code (code-server) driven by Chromium, as a person uses it: pick
// the built-in fixture pair from the palette, type in a TypeScript file, see ghost text produced by
// the speculative engine, accept it with Tab, save and check the file on disk; the status bar shows
// the acceptance rate; toggling speculation from the palette changes it. Screenshots go to
// $SPECULA_E2E_ARTIFACTS (default test-artifacts/specula-e2e).
// Needs `bash scripts/install-e2e-tools.sh`, `npx tsc -p .` and `node scripts/build.mjs`; run with
//   npx mocha --timeout 300000 out/test/e2e/specula.e2e.js
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveE2eTools } from "../launchers/e2eTools";
import { openBrowserSession, type BrowserSession } from "../launchers/openBrowserSession";

// out/test/e2e -> repository root
const repository = path.resolve(__dirname, "..", "..", "..");
const artifacts = path.resolve(process.env.SPECULA_E2E_ARTIFACTS ?? path.join(repository, "test-artifacts", "specula-e2e"));
const fixturePair = "Built-in fixture pair (tiny test models)";
const statusItem = "specula.status";

describe("Specula end to end (code-server + Chromium)", function () {
    this.timeout(300_000);
    let session: BrowserSession;
    let workspace: string;

    /** The status bar item's spoken label, which names the state ("Specula: ready, acceptance 63%"). */
    const statusLabel = async () => (await session.statusBarItem(statusItem).getAttribute("aria-label")) ?? "";

    async function waitForStatus(pattern: RegExp, timeoutMs = 90_000): Promise<string> {
        const deadline = Date.now() + timeoutMs;
        let label = "";
        while (Date.now() < deadline) {
            label = await statusLabel().catch(() => "");
            if (pattern.test(label))
                return label;
            await session.page.waitForTimeout(200);
        }
        throw new Error(`status bar never matched ${pattern}; last label "${label}"`);
    }

    before(async function () {
        resolveE2eTools();
        for (const built of ["dist/extension.js", "dist/engineHost.js"])
            assert.ok(fs.existsSync(path.join(repository, built)), `${built} missing: run \`node scripts/build.mjs\` first`);
        fs.mkdirSync(artifacts, { recursive: true });
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), "specula-e2e-ws-"));
        fs.writeFileSync(path.join(workspace, "sample.ts"), "// Specula end-to-end sample\nexport const answer = 42;\n");
        fs.writeFileSync(path.join(workspace, "latency.ts"), "// Specula latency sample\nexport const start = 0;\n");
        session = await openBrowserSession({
            extensionDevelopmentPath: repository,
            workspace,
            settings: {
                // Window-scoped settings; the model pair (machine-scoped) is picked in the UI below.
                "specula.draftConfidence": 0,
                "specula.maxTokens": 32,
                "specula.maxLines": 3,
                "specula.debounceMs": 50
            },
            viewport: { width: 1400, height: 900 },
            timeoutMs: 60_000
        });
    });

    after(async function () {
        if (this.currentTest?.state === "failed" || session == null)
            await session?.screenshot(path.join(artifacts, "failure.png")).catch(() => undefined);
        await session?.dispose();
        if (workspace != null)
            fs.rmSync(workspace, { recursive: true, force: true });
    });

    it("picks the built-in fixture pair from the palette and the status bar says ready", async () => {
        await session.statusBarItem(statusItem).waitFor({ state: "visible", timeout: 60_000 });
        const page = session.page;
        await page.keyboard.press("F1");
        const input = page.locator(".quick-input-widget .quick-input-box input");
        await input.waitFor({ state: "visible" });
        await input.fill(">Specula: Select Model Pair");
        await page.locator(`.quick-input-widget .monaco-list-row[aria-label*="Select Model Pair"]`).first().waitFor({ state: "visible" });
        await page.keyboard.press("Enter");
        await page.locator(`.quick-input-widget .monaco-list-row[aria-label*="${fixturePair}"]`).first().waitFor({ state: "visible" });
        await session.screenshot(path.join(artifacts, "1-select-model-pair.png"));
        await input.fill("Built-in fixture");
        await page.keyboard.press("Enter");
        await waitForStatus(/^Specula: (ready|generating)/);
    });

    it("shows ghost text from the speculative engine; Tab accepts it and the saved file has it", async () => {
        await session.openFile("sample.ts");
        await session.typeInEditor("\nfunction double(value: number): number {\n    return ");
        const ghost = await session.waitForGhostText({ timeoutMs: 60_000 }).catch(async (error: unknown) => {
            await session.screenshot(path.join(artifacts, "failure-ghost-text.png"));
            throw error;
        });
        assert.ok(ghost.trim().length > 0);
        await session.screenshot(path.join(artifacts, "2-ghost-text.png"));
        await session.acceptGhostText();
        await session.save();
        const onDisk = session.readWorkspaceFile("sample.ts");
        const firstGhostLine = ghost.split("\n")[0]!.trimEnd();
        assert.ok(onDisk.includes(`    return ${firstGhostLine}`), `saved file has the accepted text:\n${onDisk}\n--- ghost ---\n${ghost}`);
    });

    it("the status bar shows a live acceptance rate", async () => {
        const label = await waitForStatus(/acceptance \d+%/, 30_000);
        assert.match(label, /^Specula: (ready|generating), acceptance \d+%$/);
        assert.match(await session.statusBarText(statusItem), /Specula \d+%/);
        await session.statusBarItem(statusItem).hover();
        await session.page.locator(".monaco-hover, .workbench-hover").first().waitFor({ state: "visible", timeout: 10_000 }).catch(() => undefined);
        await session.screenshot(path.join(artifacts, "3-status-bar-acceptance.png"));
    });

    it("measures keystroke → ghost text and Tab → next ghost text as a user feels them (at least 10 each)", async () => {
        await session.openFile("latency.ts");
        await session.focusEditor({ atEnd: true });
        const keystroke: number[] = [];
        const tab: number[] = [];
        for (let round = 0; round < 10; round++) {
            // A new statement, typed at a person's pace; the ghost text is timed from its last key.
            const line = `\nconst value${round} = `;
            const typed = await session.measureGhostText(async () => {
                await session.page.keyboard.type(line, { delay: 60 });
            }, { timeoutMs: 30_000 }).catch(async (error: unknown) => {
                await session.screenshot(path.join(artifacts, `failure-latency-${round}.png`));
                throw error;
            });
            assert.ok(typed.text.trim().length > 0, "ghost text after typing");
            keystroke.push(typed.ms);
            // Tab accepts it; the next suggestion must come without typing anything.
            const next = await session.measureGhostText(() => session.press("Tab"), { newSuggestion: true, timeoutMs: 30_000 }).catch(async (error: unknown) => {
                await session.screenshot(path.join(artifacts, `failure-tab-${round}.png`));
                console.log((await session.visibleEditorText()).slice(-600));
                throw error;
            });
            assert.ok(next.text.trim().length > 0, "the next ghost text after Tab, without typing");
            tab.push(next.ms);
            if (round === 0)
                await session.screenshot(path.join(artifacts, "2b-next-suggestion-after-tab.png"));
            await session.press("Escape");
            await session.press("End");
        }
        const summary = (values: number[]) => {
            const sorted = [...values].sort((a, b) => a - b);
            const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
            return `p50 ${Math.round(at(50))} ms, p95 ${Math.round(at(95))} ms over ${values.length}`;
        };
        console.log(`      in Chromium: keystroke → ghost text ${summary(keystroke)}; Tab → next ghost text ${summary(tab)}`);
        console.log(`      keystroke ms: ${keystroke.map((ms) => Math.round(ms)).join(" ")}; Tab ms: ${tab.map((ms) => Math.round(ms)).join(" ")}`);
        assert.equal(keystroke.length, 10);
        assert.equal(tab.length, 10);
    });

    it("toggling speculation from the palette switches the status bar to target only and back", async () => {
        await session.page.mouse.move(5, 5);
        await session.runCommand("Specula: Toggle Speculative Decoding");
        await waitForStatus(/^Specula: target only/, 15_000);
        assert.match(await session.statusBarText(statusItem), /target only/);
        await session.screenshot(path.join(artifacts, "4-speculation-off.png"));
        await session.runCommand("Specula: Toggle Speculative Decoding");
        await waitForStatus(/^Specula: (ready|generating)/, 15_000);
    });

    it("the statistics view opens with charts", async () => {
        await session.runCommand("Specula: Show Statistics");
        const frame = session.page.frameLocator("iframe.webview.ready").frameLocator("iframe#active-frame");
        await frame.locator("#chart-acceptance").waitFor({ state: "visible", timeout: 30_000 });
        await frame.locator("#cards .card").first().waitFor({ state: "visible", timeout: 30_000 });
        await session.page.waitForTimeout(500);
        await session.screenshot(path.join(artifacts, "5-statistics.png"));
    });
});
