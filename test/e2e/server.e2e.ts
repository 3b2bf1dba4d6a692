// Specula with specula.backend = llamaServer in a real VS Code (code-server) driven by Chromium:
// a real llama-server (scripts/build-llama-server.sh) runs the built-in fixture pair with a draft
// model on 127.0.0.1; the status bar names it, typing shows its ghost text, Tab accepts it, the saved
// file has it, and the acceptance rate comes from the server's figures. Screenshots go to
// $SPECULA_E2E_ARTIFACTS (default test-artifacts/server-e2e).
// Needs `bash scripts/install-e2e-tools.sh`, the llama-server build, `npx tsc -p .` and
// `node scripts/build.mjs`; run with
//   npx mocha --timeout 300000 out/test/e2e/server.e2e.js
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureFixtures } from "../../src/fixtures/generateFixtures";
import { resolveE2eTools } from "../launchers/e2eTools";
import { openBrowserSession, type BrowserSession } from "../launchers/openBrowserSession";
import { findLlamaServer, startLlamaServer, type LlamaServerProcess } from "../support/llamaServerProcess";

// out/test/e2e -> repository root
const repository = path.resolve(__dirname, "..", "..", "..");
const artifacts = path.resolve(process.env.SPECULA_E2E_ARTIFACTS ?? path.join(repository, "test-artifacts", "server-e2e"));
const statusItem = "specula.status";

describe("Specula with a llama.cpp server, end to end (code-server + Chromium + llama-server)", function () {
    this.timeout(300_000);
    let session: BrowserSession | undefined;
    let server: LlamaServerProcess | undefined;
    let workspace: string | undefined;

    const statusLabel = async () => (await session!.statusBarItem(statusItem).getAttribute("aria-label")) ?? "";

    async function waitForStatus(pattern: RegExp, timeoutMs = 90_000): Promise<string> {
        const deadline = Date.now() + timeoutMs;
        let label = "";
        while (Date.now() < deadline) {
            label = await statusLabel().catch(() => "");
            if (pattern.test(label))
                return label;
            await session!.page.waitForTimeout(200);
        }
        throw new Error(`status bar never matched ${pattern}; last label "${label}"`);
    }

    before(async function () {
        const found = findLlamaServer(repository);
        if (found.path == null) {
            if (process.env.CI === "true")
                throw new Error(`CI=true but llama-server is not built: ${found.reason}`);
            console.log(`\n######## SKIPPED: llama-server browser test (${found.reason}). Run scripts/build-llama-server.sh (~35 min) to enable it. ########`);
            this.skip();
        }
        resolveE2eTools();
        for (const built of ["dist/extension.js", "dist/engineHost.js"])
            assert.ok(fs.existsSync(path.join(repository, built)), `${built} missing: run \`node scripts/build.mjs\` first`);
        fs.mkdirSync(artifacts, { recursive: true });
        const fixtures = await ensureFixtures({});
        server = await startLlamaServer({ binary: found.path!, target: fixtures.smallTarget, draft: fixtures.smallDraft, spm: true, contextSize: 2048 });
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), "specula-server-e2e-ws-"));
        fs.writeFileSync(path.join(workspace, "sample.ts"), "// Specula with a llama.cpp server\nexport const answer = 42;\n");
        session = await openBrowserSession({
            extensionDevelopmentPath: repository,
            workspace,
            // Machine-scoped: in code-server's remote window they come from the machine settings.
            machineSettings: { "specula.backend": "llamaServer", "specula.serverUrl": server.url },
            settings: { "specula.maxTokens": 32, "specula.maxLines": 3, "specula.debounceMs": 50 },
            viewport: { width: 1400, height: 900 },
            timeoutMs: 60_000
        });
    });

    after(async function () {
        if (this.currentTest?.state === "failed")
            await session?.screenshot(path.join(artifacts, "failure.png")).catch(() => undefined);
        await session?.dispose();
        await server?.stop();
        if (workspace != null)
            fs.rmSync(workspace, { recursive: true, force: true });
    });

    it("the status bar names the server and says it is ready", async () => {
        await session!.statusBarItem(statusItem).waitFor({ state: "visible", timeout: 60_000 });
        const label = await waitForStatus(/^Specula: (ready|generating), llama-server 127\.0\.0\.1:\d+/);
        assert.ok(label.includes(`127.0.0.1:${server!.port}`), label);
    });

    it("shows ghost text from llama-server; Tab accepts it and the saved file has it", async () => {
        await session!.openFile("sample.ts");
        await session!.typeInEditor("\nfunction double(value: number): number {\n    return ");
        const ghost = await session!.waitForGhostText({ timeoutMs: 60_000 });
        assert.ok(ghost.trim().length > 0);
        await session!.screenshot(path.join(artifacts, "1-server-ghost-text.png"));
        await session!.acceptGhostText();
        await session!.save();
        const onDisk = session!.readWorkspaceFile("sample.ts");
        assert.ok(onDisk.includes(`    return ${ghost.split("\n")[0]!.trimEnd()}`), `saved file has the accepted text:\n${onDisk}\n--- ghost ---\n${ghost}`);
    });

    it("the acceptance rate comes from the server's draft figures", async () => {
        const label = await waitForStatus(/acceptance \d+%/, 30_000);
        assert.match(label, /^Specula: (ready|generating), llama-server 127\.0\.0\.1:\d+, acceptance \d+%$/);
        assert.match(await session!.statusBarText(statusItem), /Specula \d+%/);
        await session!.statusBarItem(statusItem).hover();
        await session!.page.locator(".monaco-hover, .workbench-hover").first().waitFor({ state: "visible", timeout: 10_000 }).catch(() => undefined);
        await session!.screenshot(path.join(artifacts, "2-server-status-bar.png"));
    });
});
