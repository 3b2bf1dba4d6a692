// Fixture for the e2e self-test: offers a fixed inline completion ("FIXTURE_COMPLETION") and a
// status bar item ("Fixture: on" / "Fixture: off", toggled by a command).
const vscode = require("vscode");

const COMPLETION = "FIXTURE_COMPLETION";

function activate(context) {
    let enabled = true;
    const status = vscode.window.createStatusBarItem("speculaFixture.status", vscode.StatusBarAlignment.Right, 100);
    status.name = "Specula Fixture";
    const render = () => {
        status.text = enabled ? "Fixture: on" : "Fixture: off";
        status.tooltip = "Specula e2e fixture";
    };
    render();
    status.show();
    context.subscriptions.push(status);

    context.subscriptions.push(
        vscode.commands.registerCommand("speculaFixture.toggle", () => {
            enabled = !enabled;
            render();
            return enabled;
        }),
        vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, {
            provideInlineCompletionItems(document, position) {
                if (!enabled) return [];
                const line = document.lineAt(position.line).text.slice(0, position.character);
                if (line.includes(COMPLETION)) return [];
                return [new vscode.InlineCompletionItem(COMPLETION, new vscode.Range(position, position))];
            }
        })
    );
    return { completion: COMPLETION, isEnabled: () => enabled };
}

function deactivate() {}

module.exports = { activate, deactivate };
