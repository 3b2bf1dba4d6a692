// Next-edit suggestions in a real VS Code (code-server) driven by Chromium, with the fixture next-edit
// model (test/models/next-edit): the user renames a variable by typing, the model's edit (the rename
// carried to the lines below) is shown with decorations, line by line, Escape drops it and leaves the file byte for
// byte as typed, Tab applies it. Nothing is written to the document without an accept. Screenshots go
// to $SPECULA_E2E_ARTIFACTS (default test-artifacts/next-edit-e2e).
// Needs `bash scripts/install-e2e-tools.sh`, `npx tsc -p .` and `node scripts/build.mjs`; run with
//   npx mocha --timeout 300000 out/test/e2e/nextEdit.e2e.js
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveE2eTools } from "../launchers/e2eTools";
import { readNextEditDecorations, type ShownNextEdit } from "../launchers/nextEditProbe";
import { openBrowserSession, type BrowserSession } from "../launchers/openBrowserSession";

// out/test/e2e -> repository root
const repository = path.resolve(__dirname, "..", "..", "..");
const artifacts = path.resolve(process.env.SPECULA_E2E_ARTIFACTS ?? path.join(repository, "test-artifacts", "next-edit-e2e"));
const model = path.join(repository, "test", "models", "next-edit", "next-edit-target.gguf");

const original = [
    "def greet(name):",
    "    message = \"Hello, \" + name",
    "    print(message)",
    "    return message",
    ""
].join("\n");
/** What the user types: `message` on line 2 becomes `message_text`. */
const typed = original.replace("message =", "message_text =");
/** The fixture model carries the rename to lines 3 and 4 (seen with `specula edit` on this file). */
const expected = original.replace(/\bmessage\b/g, "message_text");

describe("Next-edit suggestions end to end (code-server + Chromium, fixture next-edit model)", function () {
    this.timeout(300_000);
    let session: BrowserSession;
    let workspace: string;

    const shown = (): Promise<ShownNextEdit> => session.page.evaluate(readNextEditDecorations);
    /** A page expression: `check` applied to the decorations shown now. */
    const whenShown = (check: string) => `((shown) => ${check})((${readNextEditDecorations.toString()})())`;

    /** Puts the cursor after `message` on line 2 of the open greet.py (Go to Line) and types `_text` as a person does. */
    async function typeRename(): Promise<void> {
        const page = session.page;
        await page.keyboard.press("Control+G");
        const input = page.locator(".quick-input-widget .quick-input-box input");
        await input.waitFor({ state: "visible" });
        await input.fill(":2:12");
        await page.keyboard.press("Enter");
        await input.waitFor({ state: "hidden" });
        await page.keyboard.type("_text", { delay: 80 });
    }

    /** Waits until an edit is shown (new text or struck-through text) and returns what shows. */
    async function waitForShownEdit(name: string): Promise<ShownNextEdit> {
        await session.page.waitForFunction(whenShown("shown.inserted.length > 0 || shown.struck.length > 0"), undefined, { polling: 50, timeout: 60_000 })
            .catch(async (error: unknown) => {
                await session.screenshot(path.join(artifacts, `failure-${name}.png`));
                throw error;
            });
        return shown();
    }

    before(async function () {
        resolveE2eTools();
        for (const built of ["dist/extension.js", "dist/engineHost.js"])
            assert.ok(fs.existsSync(path.join(repository, built)), `${built} missing: run \`node scripts/build.mjs\` first`);
        assert.ok(fs.existsSync(model), `${model} exists`);
        fs.mkdirSync(artifacts, { recursive: true });
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), "specula-next-edit-ws-"));
        fs.writeFileSync(path.join(workspace, "greet.py"), original);
        session = await openBrowserSession({
            extensionDevelopmentPath: repository,
            workspace,
            settings: {
                // Next-edit suggestions alone: no completion pair competes for the ghost text and Tab.
                "specula.enable": false,
                "specula.nextEdit.enabled": true
            },
            machineSettings: { "specula.nextEdit.model": model },
            viewport: { width: 1200, height: 700 },
            timeoutMs: 60_000
        });
        await session.openFile("greet.py");
        await session.focusEditor({ atEnd: false });
    });

    after(async function () {
        if (this.currentTest?.state === "failed" || session == null)
            await session?.screenshot(path.join(artifacts, "failure.png")).catch(() => undefined);
        await session?.dispose();
        if (workspace != null)
            fs.rmSync(workspace, { recursive: true, force: true });
    });

    it("shows the rename carried to the lines below after the user renames; Escape drops it and the file stays as typed", async () => {
        await typeRename();
        const edit = await waitForShownEdit("escape-shown");
        await session.screenshot(path.join(artifacts, "1-edit-shown.png"));
        // The model's edit (line 3 after `message` to the end of line 4 become `_text)⏎    return message_text`)
        // is drawn line by line: `_text` after each `message` left, nothing struck.
        assert.deepEqual(edit, { inserted: ["_text", "_text"], struck: [] });
        // Shown, not written: the saved file is what the user typed.
        await session.save();
        assert.equal(session.readWorkspaceFile("greet.py"), typed);

        await session.press("Escape");
        await session.page.waitForFunction(whenShown("shown.inserted.length === 0 && shown.struck.length === 0"), undefined, { polling: 50, timeout: 10_000 });
        // Nothing comes back, nothing is written.
        await session.page.waitForTimeout(1500);
        assert.deepEqual(await shown(), { inserted: [], struck: [] });
        await session.screenshot(path.join(artifacts, "2-dismissed.png"));
        assert.equal(await session.page.locator(".tabs-container .tab.active.dirty").count(), 0, "Escape left the document unsaved-changed");
        assert.equal(session.readWorkspaceFile("greet.py"), typed);
    });

    it("Tab applies the shown edit: the document is the rename carried through", async () => {
        // Back to the original file, then the same rename again.
        fs.writeFileSync(path.join(workspace, "greet.py"), original);
        await session.runCommand("File: Revert File");
        const deadline = Date.now() + 10_000;
        while (!(await session.visibleEditorText()).includes("message = ") && Date.now() < deadline)
            await session.page.waitForTimeout(100);
        assert.ok((await session.visibleEditorText()).includes("message = "), "the editor shows the reverted file");
        await session.focusEditor({ atEnd: false });
        await typeRename();
        assert.deepEqual(await waitForShownEdit("tab-shown"), { inserted: ["_text", "_text"], struck: [] });
        await session.save();
        assert.equal(session.readWorkspaceFile("greet.py"), typed, "the shown edit is not written before Tab");

        await session.press("Tab");
        await session.page.locator(".tabs-container .tab.active.dirty").waitFor({ state: "visible", timeout: 10_000 }).catch(async (error: unknown) => {
            await session.screenshot(path.join(artifacts, "failure-tab.png"));
            throw error;
        });
        await session.screenshot(path.join(artifacts, "3-accepted.png"));
        assert.deepEqual(await shown(), { inserted: [], struck: [] });
        await session.save();
        assert.equal(session.readWorkspaceFile("greet.py"), expected);
    });
});
