// Runs inside the extension host (code-server's or Electron's), not in plain Node.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";

const EXTENSION_ID = "specula-test.specula-e2e-fixture";

describe("e2e fixture extension (in the extension host)", () => {
    it("is loaded from the development path and activates", async () => {
        const ext = vscode.extensions.getExtension<{ completion: string }>(EXTENSION_ID);
        assert.ok(ext, `${EXTENSION_ID} not found`);
        const api = await ext.activate();
        assert.equal(api.completion, "FIXTURE_COMPLETION");
    });

    it("runs its command", async () => {
        assert.equal(await vscode.commands.executeCommand("speculaFixture.toggle"), false);
        assert.equal(await vscode.commands.executeCommand("speculaFixture.toggle"), true);
    });

    it("sees the workspace folder and opens a file in an editor", async () => {
        const folders = vscode.workspace.workspaceFolders ?? [];
        assert.equal(folders.length, 1);
        const uri = vscode.Uri.joinPath(folders[0].uri, "sample.txt");
        const doc = await vscode.workspace.openTextDocument(uri);
        const editor = await vscode.window.showTextDocument(doc);
        assert.equal(editor.document.uri.toString(), uri.toString());
    });

    it("reads user settings written by the launcher", function () {
        const failOnPurpose = vscode.workspace.getConfiguration("speculaFixture").get<boolean>("failOnPurpose");
        assert.notEqual(failOnPurpose, true, "speculaFixture.failOnPurpose is set: failing on purpose");
    });
});
