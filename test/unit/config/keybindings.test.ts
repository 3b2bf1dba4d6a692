import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

interface Keybinding { readonly command: string; readonly key: string; readonly when?: string; readonly args?: { readonly commands?: readonly unknown[] } }

const packageJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "..", "..", "package.json"), "utf8")) as { contributes: { keybindings: Keybinding[] } };

describe("keybindings declared in package.json", () => {
    it("Tab on an inline suggestion accepts it and asks for the next one in the editor, without a round trip through the extension host", () => {
        const tabs = packageJson.contributes.keybindings.filter((binding) => binding.key === "tab" && binding.command === "runCommands");
        assert.equal(tabs.length, 1);
        const tab = tabs[0]!;
        assert.deepEqual(tab.args?.commands, ["editor.action.inlineSuggest.commit", "editor.action.inlineSuggest.trigger"]);
        // Only where VS Code's own Tab accepts (code-server 4.139's commit binding): Tab still
        // indents in a line's leading whitespace, moves focus in that mode, and picks from the
        // suggest widget; and only while Specula is on.
        const conditions = new Set(tab.when!.split("&&").map((condition) => condition.trim()));
        for (const condition of ["inlineSuggestionVisible", "inlineSuggestionHasIndentationLessThanTabSize", "!editorTabMovesFocus", "!suggestWidgetVisible", "!editorHoverFocused", "!editor.hasSelection", "editorTextFocus", "config.specula.enable"])
            assert.ok(conditions.has(condition), `when has ${condition}: ${tab.when}`);
        assert.ok(!tab.when!.includes("||"), "no alternative that would widen it");
    });
});
