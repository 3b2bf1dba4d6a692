// Self-test of the e2e infrastructure with a tiny fixture extension (test/e2e/fixtures-extension):
//  - the mocha suite runs inside a real extension host (code-server) and reports its exit code and
//    an `N passed, N failed` line, for a passing and for a failing run;
//  - in the browser, the fixture's ghost text shows, Tab accepts it, Ctrl+S writes it to disk, the
//    status bar item and a palette command work, and a screenshot is written.
// Needs `bash scripts/install-e2e-tools.sh` and `npx tsc -p .`; run with
//   npx mocha --timeout 300000 out/test/e2e/selfTest.e2e.js
// Screenshots go to $SPECULA_E2E_ARTIFACTS (default test-artifacts/e2e).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CodeServer } from "../launchers/CodeServer";
import { resolveE2eTools } from "../launchers/e2eTools";
import { openBrowserSession, type BrowserSession } from "../launchers/openBrowserSession";
import { runExtensionHostSuite } from "../launchers/runExtensionHostSuite";

// out/test/e2e -> repo root
const REPO = path.resolve(__dirname, "..", "..", "..");
const FIXTURE_EXT = path.join(REPO, "test", "e2e", "fixtures-extension");
const FIXTURE_SUITE = path.join(__dirname, "fixtureSuite", "index.js");
const ARTIFACTS = path.resolve(process.env.SPECULA_E2E_ARTIFACTS ?? path.join(REPO, "test-artifacts", "e2e"));

function makeWorkspace(): string {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), "specula-e2e-ws-"));
    fs.writeFileSync(path.join(ws, "sample.txt"), "first line\n");
    return ws;
}

describe("e2e infrastructure self-test (code-server + Chromium)", function () {
    this.timeout(300_000);
    const workspaces: string[] = [];

    before(function () {
        // Fails (not skips) without the tools: CI must run scripts/install-e2e-tools.sh first.
        resolveE2eTools();
        assert.ok(fs.existsSync(FIXTURE_SUITE), `${FIXTURE_SUITE} missing: run \`npx tsc -p .\` first`);
    });

    after(function () {
        for (const ws of workspaces) fs.rmSync(ws, { recursive: true, force: true });
    });

    it("CodeServer starts, answers /healthz and leaves no process behind", async function () {
        const server = await CodeServer.start();
        const pid = server.pid!;
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
        assert.match(server.remoteUri("/a b/c"), /^vscode-remote:\/\/127\.0\.0\.1:\d+\/a%20b\/c$/);
        await server.dispose();
        assert.throws(() => process.kill(-pid, 0), /ESRCH/);
        assert.equal(fs.existsSync(server.root), false);
    });

    it("runs a passing mocha suite in the extension host: exit 0 and `4 passed, 0 failed`", async function () {
        const ws = makeWorkspace();
        workspaces.push(ws);
        const lines: string[] = [];
        const code = await runExtensionHostSuite({
            extensionDevelopmentPath: FIXTURE_EXT,
            extensionTestsPath: FIXTURE_SUITE,
            workspace: ws,
            timeoutMs: 180_000,
            log: (l) => {
                lines.push(l);
                console.log(`    | ${l}`);
            }
        });
        assert.equal(code, 0, "exit code");
        assert.ok(lines.includes("4 passed, 0 failed"), "summary line alone on a line");
    });

    it("reports a failing suite: exit 1 and `3 passed, 1 failed`", async function () {
        const ws = makeWorkspace();
        workspaces.push(ws);
        const lines: string[] = [];
        const code = await runExtensionHostSuite({
            extensionDevelopmentPath: FIXTURE_EXT,
            extensionTestsPath: FIXTURE_SUITE,
            workspace: ws,
            settings: { "speculaFixture.failOnPurpose": true },
            timeoutMs: 180_000,
            log: (l) => lines.push(l)
        });
        assert.equal(code, 1, `exit code; output:\n${lines.join("\n")}`);
        assert.ok(lines.includes("3 passed, 1 failed"), `summary line; output:\n${lines.join("\n")}`);
    });

    describe("browser session", function () {
        let session: BrowserSession | undefined;
        let ws: string;

        before(async function () {
            ws = makeWorkspace();
            workspaces.push(ws);
            session = await openBrowserSession({ extensionDevelopmentPath: FIXTURE_EXT, workspace: ws });
        });

        after(async function () {
            await session?.dispose();
        });

        afterEach(async function () {
            if (this.currentTest?.state === "failed" && session) {
                const png = path.join(ARTIFACTS, `selfTest-failed-${Date.now()}.png`);
                await session.screenshot(png).catch(() => undefined);
                console.log(`    screenshot: ${png}\n    last log lines:\n${session.logs.slice(-40).join("\n")}`);
            }
        });

        it("shows the extension's status bar item", async function () {
            assert.equal(await session!.statusBarText("speculaFixture.status"), "Fixture: on");
        });

        it("shows ghost text, accepts it with Tab and saves it to disk", async function () {
            const s = session!;
            await s.openFile("sample.txt");
            await s.typeInEditor("\nhello ");
            assert.equal(await s.waitForGhostText({ contains: "FIXTURE_COMPLETION" }), "FIXTURE_COMPLETION");
            const png = path.join(ARTIFACTS, "selfTest-ghost-text.png");
            await s.screenshot(png);
            assert.ok(fs.statSync(png).size > 10_000, "screenshot written");
            await s.acceptGhostText();
            await s.save();
            assert.equal(s.readWorkspaceFile("sample.txt"), "first line\n\nhello FIXTURE_COMPLETION");
        });

        it("runs a command from the palette and the status bar follows", async function () {
            const s = session!;
            await s.runCommand("Specula Fixture: Toggle Status");
            await s.page.waitForFunction(
                () => document.querySelector("[id$='.speculaFixture.status']")?.textContent?.includes("off") ?? false
            );
            assert.equal(await s.statusBarText("speculaFixture.status"), "Fixture: off");
            // Disabled: no ghost text for new input.
            await s.typeInEditor("\nagain ");
            await s.page.waitForTimeout(1500);
            assert.equal(await s.ghostText(), "");
            await s.screenshot(path.join(ARTIFACTS, "selfTest-final.png"));
        });
    });
});
