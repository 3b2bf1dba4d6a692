// Next-edit suggestions in the real extension host, with the fixture next-edit model in its own
// engine process: after the user renames a variable, the model's edit (the rename carried to the
// line below) is shown, Escape drops it, Tab applies it, and the document keeps the user's text
// until they accept.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { SpeculaTestApi } from "../../src/extension";
import { setUser, sleep } from "./extensionHostHelpers";

// out/test/vscode -> repository root
const repository = path.resolve(__dirname, "..", "..", "..");
const model = path.join(repository, "test", "models", "next-edit", "next-edit-target.gguf");

const cart = [
    "function sumPrices(items) {",
    "    let total = 0;",
    "    for (const item of items) {",
    "        total += item.price;",
    "    }",
    "    return total;",
    "}",
    "",
    "module.exports = { sumPrices };",
    ""
].join("\n");

describe("Next-edit suggestions in the VS Code extension host", function () {
    this.timeout(120_000);
    let api: SpeculaTestApi;
    let file: string;

    before(async () => {
        const extension = vscode.extensions.all.find((candidate) => candidate.packageJSON?.name === "specula");
        assert.ok(extension, "the extension under development is installed");
        api = (await extension.activate()) as SpeculaTestApi;
        assert.ok(fs.existsSync(model), `${model} exists`);
        await setUser("nextEdit.model", model);
        await setUser("nextEdit.enabled", true);
        file = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, "cart.js");
        fs.writeFileSync(file, cart);
    });

    after(async () => {
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
        await setUser("nextEdit.enabled", undefined);
        await setUser("nextEdit.model", undefined);
        fs.rmSync(file, { force: true });
    });

    it("Toggle Next-Edit Suggestions turns the setting off and on", async () => {
        assert.equal(vscode.workspace.getConfiguration("specula").get("nextEdit.enabled"), true);
        await vscode.commands.executeCommand("specula.toggleNextEdit");
        assert.equal(vscode.workspace.getConfiguration("specula").get("nextEdit.enabled"), false);
        assert.equal(api.nextEdit.active, false);
        await vscode.commands.executeCommand("specula.toggleNextEdit");
        assert.equal(api.nextEdit.active, true);
    });

    it("shows the fixture model's edit after a rename, writes nothing until Tab, and drops it on Escape", async () => {
        const document = await vscode.workspace.openTextDocument(file);
        const editor = await vscode.window.showTextDocument(document);
        editor.selection = new vscode.Selection(1, 4, 1, 4);
        assert.ok(await editor.edit((edit) => edit.replace(new vscode.Range(1, 8, 1, 13), "totalPrice")));
        const edited = cart.replace("let total = 0", "let totalPrice = 0");
        assert.equal(document.getText(), edited);

        const deadline = Date.now() + 100_000;
        while (api.nextEdit.lastOutcome == null && Date.now() < deadline)
            await sleep(100);
        await api.nextEdit.whenIdle();
        // The fixture model carries the rename to line 4 (`total +=` becomes `totalPrice +=`).
        const outcome = api.nextEdit.lastOutcome;
        assert.equal(outcome?.kind, "edit", JSON.stringify(outcome));
        const edit = outcome.kind === "edit" ? outcome.edit : { start: -1, end: -1, text: "" };
        assert.equal(edit.start, edited.indexOf("total +=") + "total".length);
        assert.ok(edit.text.startsWith("Price += item.price;"), JSON.stringify(edit));

        // Away from the cursor and over several lines: shown with decorations (Tab / Escape), not as an inline item.
        assert.deepEqual(api.nextEdit.shown, { kind: "replace", ...edit });
        assert.equal(api.nextEdit.provideInlineCompletionItems(document, new vscode.Position(1, 4)), undefined);
        await sleep(1000);
        assert.equal(document.getText(), edited, "showing an edit writes nothing");

        // Escape drops it, and the document is still what the user typed.
        await vscode.commands.executeCommand("specula.dismissNextEdit");
        assert.equal(api.nextEdit.shown, undefined);
        assert.equal(document.getText(), edited);

        // Undo the rename and make it again: the same edit is predicted, and Tab applies it.
        assert.ok(await editor.edit((change) => change.replace(new vscode.Range(1, 8, 1, 18), "total")));
        await api.nextEdit.whenIdle();
        assert.ok(await editor.edit((change) => change.replace(new vscode.Range(1, 8, 1, 13), "totalPrice")));
        while (api.nextEdit.shown == null && Date.now() < deadline)
            await sleep(100);
        assert.deepEqual(api.nextEdit.shown, { kind: "replace", ...edit });
        await vscode.commands.executeCommand("specula.acceptNextEdit");
        assert.equal(document.getText(), edited.slice(0, edit.start) + edit.text + edited.slice(edit.end));
        assert.equal(api.nextEdit.shown, undefined);
    });
});
