// The packaged artifact works, not just the dev folder: builds the linux-x64 .vsix with
// scripts/package.mjs (or takes $SPECULA_VSIX), checks what is inside, installs it into a fresh
// code-server with `--install-extension` (no extensionDevelopmentPath anywhere), selects the built-in
// fixture pair through the machine settings, and in Chromium gets ghost text from the engine host
// that runs out of the installed extension folder; Tab accepts it and the saved file has it.
// Screenshots go to $SPECULA_E2E_ARTIFACTS (default test-artifacts/packaged-e2e).
// Needs `bash scripts/install-e2e-tools.sh` and `npx tsc -p .`; run with
//   npx mocha --timeout 600000 out/test/e2e/packaged.e2e.js
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../launchers/chromium";
import { CodeServer } from "../launchers/CodeServer";
import { resolveE2eTools } from "../launchers/e2eTools";
import { BROWSER_SESSION_SETTINGS } from "../launchers/openBrowserSession";

// out/test/e2e -> repository root
const repository = path.resolve(__dirname, "..", "..", "..");
const artifacts = path.resolve(process.env.SPECULA_E2E_ARTIFACTS ?? path.join(repository, "test-artifacts", "packaged-e2e"));
const fixturePair = "Built-in fixture pair (tiny test models)";
const target = "linux-x64";
const packageJson = JSON.parse(fs.readFileSync(path.join(repository, "package.json"), "utf8")) as { name: string; publisher: string; version: string };
const extensionId = `${packageJson.publisher}.${packageJson.name}`;

/** Entry names of a zip file (a .vsix), from its central directory. */
function zipEntries(file: string): string[] {
    const data = fs.readFileSync(file);
    let end = -1;
    for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 65535); i--)
        if (data.readUInt32LE(i) === 0x06054b50) {
            end = i;
            break;
        }
    assert.ok(end >= 0, `${file} is not a zip file`);
    const count = data.readUInt16LE(end + 10);
    let offset = data.readUInt32LE(end + 16);
    const names: string[] = [];
    for (let n = 0; n < count; n++) {
        assert.equal(data.readUInt32LE(offset), 0x02014b50, `${file}: bad central directory entry ${n}`);
        const nameLength = data.readUInt16LE(offset + 28);
        names.push(data.toString("utf8", offset + 46, offset + 46 + nameLength));
        offset += 46 + nameLength + data.readUInt16LE(offset + 30) + data.readUInt16LE(offset + 32);
    }
    return names;
}

/**
 * Command lines of the processes whose HOME is `home` (Linux /proc): this code-server's children,
 * not those of other test runs on the same machine.
 */
function processCommandLines(home: string): string[] {
    const lines: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)))
        try {
            const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
            if (environ.includes(`HOME=${home}`)) lines.push(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "));
        } catch {
            // Gone already, or not ours.
        }
    return lines;
}

describe("Packaged .vsix installed into code-server (linux-x64)", function () {
    this.timeout(600_000);
    let vsix: string;
    let entries: string[];
    let temp: string;
    let workspace: string;
    let server: CodeServer | undefined;
    let context: BrowserContext | undefined;
    let page: Page;
    let installedDir: string;
    const logs: string[] = [];

    const editor = () => page.locator(".editor-instance .monaco-editor").first();
    const statusLabel = async () =>
        (await page.locator(`#workbench\\.parts\\.statusbar .statusbar-item[id$=".specula.status"], #workbench\\.parts\\.statusbar .statusbar-item[id="specula.status"]`).first().getAttribute("aria-label", { timeout: 1000 })) ?? "";

    async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const value = await probe().catch(() => undefined);
            if (value !== undefined) return value;
            if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- last log lines ---\n${logs.slice(-30).join("\n")}`);
            await page.waitForTimeout(200);
        }
    }

    async function ghostText(): Promise<string> {
        const inline = await editor().locator(".ghost-text-decoration, .ghost-text-decoration-preview").allTextContents();
        const extra = await editor().locator(".ghost-text .view-line").allTextContents();
        return [inline.join("")].concat(extra).join("\n").replace(/\u00a0/g, " ").replace(/\n+$/, "");
    }

    before(async function () {
        resolveE2eTools();
        fs.mkdirSync(artifacts, { recursive: true });
        temp = fs.mkdtempSync(path.join(os.tmpdir(), "specula-packaged-"));
        if (process.env.SPECULA_VSIX)
            vsix = path.resolve(process.env.SPECULA_VSIX);
        else {
            // Its own work dir, so a developer's `npm run package` staging is left alone; the staged
            // node_modules is reused while package-lock.json is unchanged.
            const out = path.join(temp, "vsix");
            const started = Date.now();
            const built = spawnSync(
                process.execPath,
                [path.join(repository, "scripts", "package.mjs"), "--target", target, "--out", out, "--work", path.join(repository, ".cache", "package-e2e")],
                { cwd: repository, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }
            );
            assert.equal(built.status, 0, `scripts/package.mjs failed:\n${built.stdout}\n${built.stderr}`);
            console.log(`      packaged in ${((Date.now() - started) / 1000).toFixed(1)} s: ${built.stdout.split("\n").find((l) => l.includes(".vsix:"))?.trim()}`);
            vsix = path.join(out, `${packageJson.name}-${target}-${packageJson.version}.vsix`);
        }
        assert.ok(fs.existsSync(vsix), `${vsix} missing`);
        entries = zipEntries(vsix);
    });

    after(async function () {
        if (page != null && this.currentTest?.state === "failed")
            await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => undefined);
        await context?.close().catch(() => undefined);
        await server?.dispose();
        if (temp != null) fs.rmSync(temp, { recursive: true, force: true, maxRetries: 3 });
    });

    it("the .vsix holds the production bundle and only linux-x64's node-llama-cpp binaries", () => {
        const inside = (name: string) => entries.includes(`extension/${name}`);
        for (const name of ["package.json", "dist/extension.js", "dist/engineHost.js", "readme.md", "changelog.md", "LICENSE.txt", "media/icon.png", "media/stats.js", "node_modules/node-llama-cpp/package.json"])
            assert.ok(inside(name), `${name} missing from the .vsix`);
        // The built-in fixture pair is generated from node-llama-cpp's own .d.ts files.
        assert.ok(entries.filter((e) => /^extension\/node_modules\/node-llama-cpp\/dist\/.*\.d\.ts$/.test(e)).length > 100, "node-llama-cpp's .d.ts files (fixture corpus) missing");
        const binaries = [...new Set(entries.map((e) => /^extension\/node_modules\/@node-llama-cpp\/([^/]+)\//.exec(e)?.[1]).filter((b): b is string => b != null))].sort();
        assert.deepEqual(binaries, ["linux-x64", "linux-x64-vulkan"]);
        assert.ok(entries.some((e) => /^extension\/node_modules\/@node-llama-cpp\/linux-x64\/bins\/.*\.node$/.test(e)), "no CPU .node binary");
        const unwanted = entries.filter((e) => /\.map$|\.gguf$|^extension\/(src|test|out|scripts|\.cache|test-artifacts)\/|^extension\/[^/]+\.ts$|^extension\/dist\/cli\.js$|^extension\/node_modules\/(typescript|mocha|esbuild|playwright-core|@vscode\/vsce)\//.test(e));
        assert.deepEqual(unwanted.slice(0, 20), [], "sources, tests, source maps, caches or dev tools in the .vsix");
        const megabytes = fs.statSync(vsix).size / 1024 / 1024;
        console.log(`      ${path.basename(vsix)}: ${megabytes.toFixed(1)} MB, ${entries.length} files`);
        assert.ok(megabytes < 100, `linux-x64 .vsix is ${megabytes.toFixed(1)} MB`);
    });

    it("installs with --install-extension and the workbench shows the status bar item", async () => {
        workspace = path.join(temp, "workspace");
        fs.mkdirSync(workspace);
        fs.writeFileSync(path.join(workspace, "sample.ts"), "// Specula packaged-extension sample\nexport const answer = 42;\n");
        const started = Date.now();
        server = await CodeServer.start({
            root: path.join(temp, "code-server"),
            installExtensions: [vsix],
            settings: {
                ...BROWSER_SESSION_SETTINGS,
                "specula.draftConfidence": 0,
                "specula.maxTokens": 32,
                "specula.maxLines": 3,
                "specula.debounceMs": 50
            },
            onOutput: (l) => logs.push(`[code-server] ${l}`)
        });
        console.log(`      installed and started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        // The model pair is machine-scoped: in code-server that is <user-data-dir>/Machine/settings.json.
        const machine = path.join(server.dirs.userData, "Machine");
        fs.mkdirSync(machine, { recursive: true });
        fs.writeFileSync(path.join(machine, "settings.json"), JSON.stringify({ "specula.selectedPair": fixturePair }, null, 2));

        // code-server names the folder <publisher>.<name>-<version> (some versions add -<target>).
        const installed = fs.readdirSync(server.dirs.extensions).filter((d) => d.startsWith(`${extensionId}-${packageJson.version}`));
        assert.equal(installed.length, 1, `installed extension folders: ${installed.join(", ")}`);
        installedDir = path.join(server.dirs.extensions, installed[0]!);
        assert.deepEqual(fs.readdirSync(path.join(installedDir, "node_modules", "@node-llama-cpp")).sort(), ["linux-x64", "linux-x64-vulkan"]);

        context = await launchChromium({ root: path.join(temp, "chromium"), viewport: { width: 1400, height: 900 } });
        context.setDefaultTimeout(60_000);
        page = context.pages()[0] ?? (await context.newPage());
        page.on("console", (msg) => logs.push(`[console ${msg.type()}] ${msg.text().replace(/%c/g, "")}`));
        page.on("pageerror", (err) => logs.push(`[page error] ${err.message}`));
        const url = server.workbenchUrl({ folder: workspace });
        assert.ok(!url.includes("extensionDevelopmentPath"));
        await page.goto(url);
        await page.locator(".monaco-workbench").waitFor();
        const label = await waitFor("Specula status bar item to say ready", async () => {
            const l = await statusLabel();
            return /^Specula: (ready|generating)/.test(l) ? l : undefined;
        }, 180_000);
        console.log(`      status bar: "${label}"`);
    });

    it("gets ghost text from the installed extension's engine host; Tab accepts it and the saved file has it", async () => {
        assert.ok(server != null && page != null, "previous test failed");
        // Quick Open the sample file.
        await page.keyboard.press("Control+P");
        const input = page.locator(".quick-input-widget .quick-input-box input");
        await input.waitFor({ state: "visible" });
        await input.fill("sample.ts");
        await page.locator(`.quick-input-widget .monaco-list-row[aria-label*="sample.ts"]`).first().waitFor({ state: "visible" });
        await page.keyboard.press("Enter");
        await page.locator(`.tabs-container .tab.active[aria-label*="sample.ts"]`).first().waitFor({ state: "visible" });
        await editor().locator(".view-lines").click();
        await page.keyboard.press("Control+End");
        await page.keyboard.type("\nfunction double(value: number): number {\n    return ", { delay: 20 });

        const ghost = await waitFor("ghost text", async () => {
            const text = (await editor().locator(".ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text").count()) > 0 ? await ghostText() : "";
            return text.trim().length > 0 ? text : undefined;
        }, 120_000);
        await page.screenshot({ path: path.join(artifacts, "packaged-ghost-text.png") });
        console.log(`      ghost text: ${JSON.stringify(ghost)}`);

        // The engine host that produced it runs out of the installed extension, not the repository.
        const hosts = processCommandLines(server.dirs.home).filter((l) => l.includes("engineHost.js"));
        assert.ok(hosts.length > 0, "no engine host process under this code-server");
        assert.deepEqual(hosts.filter((l) => !l.includes(path.join(installedDir, "dist", "engineHost.js"))), [], `engine hosts not from ${installedDir}`);

        // Tab puts the text into the document (the next, prefetched suggestion may show at once, so
        // the ghost text need not go): wait for the editor's own text, ghost text left out, to hold it.
        const firstLine = ghost.split("\n")[0]!.trimEnd();
        await page.keyboard.press("Tab");
        await waitFor("the accepted text in the editor", async () => ((await editor().evaluate((root) => Array.from(root.querySelectorAll(".view-lines .view-line")).map((line) => {
            const copy = line.cloneNode(true) as HTMLElement;
            for (const part of Array.from(copy.querySelectorAll(".ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text, .suggest-preview-text")))
                part.remove();
            return (copy.textContent ?? "").replace(/\u00a0/g, " ");
        }).join("\n"))).includes(`    return ${firstLine}`) ? true : undefined), 30_000);
        await page.keyboard.press("Control+S");
        await page.locator(".tabs-container .tab.active.dirty").waitFor({ state: "detached" });
        const onDisk = fs.readFileSync(path.join(workspace, "sample.ts"), "utf8");
        assert.ok(onDisk.includes(`    return ${firstLine}`), `saved file has the accepted text:\n${onDisk}\n--- ghost ---\n${ghost}`);
        await page.screenshot({ path: path.join(artifacts, "packaged-accepted.png") });
    });
});
