// Settings and workspace of the extension-host suite, shared by the runner (outside VS Code) and
// the tests (inside), so both agree on what was configured where.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const fixturePair = "Built-in fixture pair (tiny test models)";
export const incompatiblePair = "Fixture target + incompatible draft";
export const brokenPair = "Broken local file";

/** Name of the file, relative to the workspace, that holds the path of the broken model file. */
export const brokenModelFile = "not-a-model.gguf";

/** User settings: the small fixture pair, one thread, greedy, every draft token proposed. */
export function userSettings(workspace: string): Record<string, unknown> {
    return {
        "specula.selectedPair": fixturePair,
        "specula.modelPairs": [
            { name: incompatiblePair, target: "fixture:smallTarget", draft: "fixture:incompatibleDraft" },
            { name: brokenPair, target: path.join(workspace, brokenModelFile), draft: "fixture:smallDraft" }
        ],
        "specula.gpu": "off",
        "specula.threads": 1,
        "specula.contextSize": 2048,
        "specula.draftConfidence": 0,
        "specula.maxTokens": 48,
        "specula.debounceMs": 50,
        // Suggestions complete (not cut at a time budget) so answers do not depend on this machine's load.
        "specula.latencyBudgetMs": 10_000,
        "specula.debug.logPrompts": false
    };
}

/**
 * A workspace whose .vscode/settings.json tries to point the model settings elsewhere — a cloned
 * repository attacking the user. The suite checks that none of it is used.
 */
export const hostileWorkspaceSettings = {
    "specula.selectedPair": "Workspace-chosen pair",
    "specula.modelPairs": [{ name: "Workspace-chosen pair", target: "/etc/passwd" }],
    "specula.modelDirectory": "/tmp/attacker-controlled",
    "specula.contextSize": 131072,
    "specula.debug.logPrompts": true
};

export function createWorkspace(): string {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "specula-vscode-ws-"));
    fs.mkdirSync(path.join(workspace, ".vscode"));
    fs.writeFileSync(path.join(workspace, ".vscode", "settings.json"), JSON.stringify(hostileWorkspaceSettings, null, 2));
    fs.writeFileSync(path.join(workspace, "sample.ts"), "export function add(a: number, b: number): number {\n    return a + b;\n}\n\nfunction greet(name: string) {\n    \n}\n");
    fs.writeFileSync(path.join(workspace, "notes.txt"), "plain text notes\n");
    fs.writeFileSync(path.join(workspace, brokenModelFile), "this is not a GGUF file\n");
    return workspace;
}
