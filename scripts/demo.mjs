// `npm run demo`: starts code-server (VS Code in the browser) on 127.0.0.1 with Specula under
// development and the built-in code pair selected (small models trained on real code,
// test/models/code-pair), prints the URL to open, and runs until
// Ctrl+C. Needs `npm run build` output, the compiled launchers (`npx tsc -p .`) and the tools from
// scripts/install-e2e-tools.sh — `npm run demo` does all three.
//
//   node scripts/demo.mjs [--screenshot FILE]
//
// --screenshot opens the page in headless Chromium, types a line, waits for ghost text, saves a
// screenshot and exits (used to make the README's picture).
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { CodeServer } = require(path.join(root, "out", "test", "launchers", "CodeServer.js"));

const args = process.argv.slice(2);
const screenshot = valueOf("--screenshot");

function valueOf(flag) {
    const index = args.indexOf(flag);
    return index >= 0 ? args[index + 1] : undefined;
}

for (const built of ["dist/extension.js", "dist/engineHost.js"])
    if (!fs.existsSync(path.join(root, built)))
        throw new Error(`${built} is missing: run \`npm run build\` first`);

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "specula-demo-ws-"));
fs.writeFileSync(path.join(workspace, "example.ts"), [
    "// Specula demo. Type in isEmpty's body: ghost text comes from the speculative",
    "// engine running the built-in code pair (a 7.7 M-parameter target and a 2.9 M",
    "// draft trained on JS/TS, Python and C: tiny next to a real code model, so expect",
    "// plausible-looking code, not correct code, and often no suggestion at all).",
    "// Tab accepts, Ctrl+→ accepts a word.",
    "",
    "export function greet(name: string): string {",
    "    return `Hello, ${name}`;",
    "}",
    "",
    "export function isEmpty(value: string): boolean {",
    "    ",
    "}",
    ""
].join("\n"));

// code-server reads machine-scoped settings (the model pair, threads) from Machine/settings.json.
const serverRoot = fs.mkdtempSync(path.join(os.tmpdir(), "specula-demo-"));
const machineDir = path.join(serverRoot, "user-data", "Machine");
fs.mkdirSync(machineDir, { recursive: true });
fs.writeFileSync(path.join(machineDir, "settings.json"), JSON.stringify({
    "specula.selectedPair": "Built-in code pair (small trained models)",
    // One thread: two on a 2-core machine make llama.cpp fight the browser for the CPU.
    "specula.threads": 1
}, null, 2));

const server = await CodeServer.start({
    workspace,
    root: serverRoot,
    settings: {
        "workbench.startupEditor": "none",
        "editor.quickSuggestions": { other: false, comments: false, strings: false },
        "specula.draftConfidence": 0
    },
});
const url = server.workbenchUrl({ folder: workspace, extensionDevelopmentPath: root });

let stopping = false;
async function stop(code = 0) {
    if (stopping)
        return;
    stopping = true;
    await server.dispose();
    fs.rmSync(workspace, { recursive: true, force: true });
    process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

if (screenshot == null) {
    console.log("\nSpecula demo is running. Open this URL in a browser (Chromium or Chrome):\n");
    console.log(`  ${url}\n`);
    console.log("Open example.ts, type on an empty line, and watch the ghost text and the status bar.");
    console.log("Press Ctrl+C to stop.\n");
} else {
    const { chromium } = require("playwright-core");
    const { resolveE2eTools } = require(path.join(root, "out", "test", "launchers", "e2eTools.js"));
    const browser = await chromium.launch({
        executablePath: resolveE2eTools().chromium,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
        await page.goto(url);
        await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
        await page.keyboard.press("Control+P");
        const input = page.locator(".quick-input-widget .quick-input-box input");
        await input.waitFor({ state: "visible" });
        await input.fill("example.ts");
        await page.locator(".quick-input-widget .monaco-list-row[aria-label*='example.ts']").first().waitFor({ state: "visible", timeout: 60_000 });
        await page.keyboard.press("Enter");
        await page.locator(".editor-instance .monaco-editor .view-lines").first().click({ timeout: 60_000 });
        // Into isEmpty's empty body (the line before the closing brace).
        await page.keyboard.press("Control+End");
        await page.keyboard.press("ArrowUp");
        await page.keyboard.press("ArrowUp");
        await page.keyboard.press("End");
        // Wait until the status bar says the pair is loaded, then type.
        await page.locator("#workbench\\.parts\\.statusbar .statusbar-item[aria-label*='Specula: ready']").first().waitFor({ timeout: 120_000 }).catch(() => undefined);
        await page.keyboard.type("if (", { delay: 60 });
        await page.locator(".ghost-text-decoration").first().waitFor({ timeout: 60_000 });
        await page.waitForTimeout(500);
        await page.screenshot({ path: screenshot });
        console.log(`screenshot written to ${screenshot}`);
    } catch (error) {
        console.error(`demo screenshot failed: ${error instanceof Error ? error.message : String(error)}`);
        const status = await page.locator("#workbench\\.parts\\.statusbar .statusbar-item[aria-label*='Specula']").first().getAttribute("aria-label", { timeout: 5_000 }).catch(() => "?");
        console.error(`status bar: ${status}`);
        const failure = screenshot.replace(/(\.png)?$/, "-failure.png");
        await page.screenshot({ path: failure }).then(() => console.error(`the page as it was: ${failure}`), () => undefined);
        process.exitCode = 1;
    } finally {
        await browser.close();
        await stop(process.exitCode ?? 0);
    }
}
