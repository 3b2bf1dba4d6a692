// The layer rules of eslint.config.mjs, checked on imports written for the purpose: each layer
// refuses what it must not import and accepts what it may.
import * as assert from "node:assert/strict";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..", "..");

async function restrictedImports(file: string, code: string): Promise<string[]> {
    const { ESLint } = await import("eslint");
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result.messages.filter((message) => message.ruleId === "no-restricted-imports").map((message) => message.message);
}

describe("layer rules (eslint.config.mjs)", function () {
    this.timeout(60_000);

    const refused: Array<[string, string]> = [
        ["src/engine/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/completion/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/host/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/config/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/bench/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/bench/probe.ts", "import type { CliCommand } from \"../cli/parseCliArgs\";"],
        ["src/engine/probe.ts", "import type { CompletionPipeline } from \"../completion/CompletionPipeline\";"],
        ["src/completion/probe.ts", "import type { SpeculaConfig } from \"../vscode/SpeculaConfig\";"],
        ["src/host/probe.ts", "import type { CliCommand } from \"../cli/parseCliArgs\";"],
        ["test/unit/engine/probe.test.ts", "import * as vscode from \"vscode\";"]
    ];
    for (const [file, line] of refused)
        it(`refuses in ${file}: ${line}`, async () => {
            const messages = await restrictedImports(file, `${line}\n`);
            assert.equal(messages.length, 1, `expected one restricted import, got ${JSON.stringify(messages)}`);
        });

    const allowed: Array<[string, string]> = [
        ["src/completion/probe.ts", "import type { RequestStats } from \"../engine/CompletionTypes\";"],
        ["src/bench/probe.ts", "import type { BenchTask } from \"./BenchTask\";"],
        ["src/vscode/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/cli/probe.ts", "import type { BenchTask } from \"../bench/BenchTask\";"]
    ];
    for (const [file, line] of allowed)
        it(`accepts in ${file}: ${line}`, async () => {
            assert.deepEqual(await restrictedImports(file, `${line}\n`), []);
        });
});
