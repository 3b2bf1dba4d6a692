// The layer rules of eslint.config.mjs, checked on imports written for the purpose: each layer
// refuses what it must not import and accepts what it may.
import * as assert from "node:assert/strict";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..", "..");

async function ruleMessages(rule: string, file: string, code: string): Promise<string[]> {
    const { ESLint } = await import("eslint");
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result.messages.filter((message) => message.ruleId === rule).map((message) => message.message);
}

function restrictedImports(file: string, code: string): Promise<string[]> {
    return ruleMessages("no-restricted-imports", file, code);
}

describe("layer rules (eslint.config.mjs)", function () {
    this.timeout(60_000);

    const refused: Array<[string, string]> = [
        ["src/engine/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/completion/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/engineHost/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/config/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/bench/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/bench/probe.ts", "import type { CliCommand } from \"../cli/parseCliArgs\";"],
        ["src/engine/probe.ts", "import type { CompletionPipeline } from \"../completion/CompletionPipeline\";"],
        ["src/completion/probe.ts", "import type { SpeculaConfig } from \"../vscode/SpeculaConfig\";"],
        ["src/engineHost/probe.ts", "import type { CliCommand } from \"../cli/parseCliArgs\";"],
        ["test/unit/engine/probe.test.ts", "import * as vscode from \"vscode\";"],
        ["src/common/probe.ts", "import type { Token } from \"../engine/llamaTypes\";"],
        ["src/common/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/engine/probe.ts", "import type { LlamaServerBackend } from \"../llamaServer/LlamaServerBackend\";"],
        ["src/vscode/probe.ts", "import { SpeculativeEngine } from \"../engine/SpeculativeEngine\";"],
        ["src/vscode/probe.ts", "import type { RequestStats } from \"../engine/CompletionTypes\";"],
        ["src/vscode/probe.ts", "import type { BenchTask } from \"../bench/BenchTask\";"],
        ["src/extension.ts", "import { SpeculativeEngine } from \"./engine/SpeculativeEngine\";"],
        ["src/cli.ts", "import type { SpeculaConfig } from \"./vscode/SpeculaConfig\";"],
        ["src/llamaServer/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/llamaServer/probe.ts", "import { SpeculativeEngine } from \"../engine/SpeculativeEngine\";"],
        ["src/llamaServer/probe.ts", "import { ModelDrafter } from \"../engine/drafters/ModelDrafter\";"],
        ["src/llamaServer/probe.ts", "import type { EngineClient } from \"../engineHost/EngineClient\";"],
        ["src/llamaServer/probe.ts", "import type { CliCommand } from \"../cli/parseCliArgs\";"]
    ];
    for (const [file, line] of refused)
        it(`refuses in ${file}: ${line}`, async () => {
            const messages = await restrictedImports(file, `${line}\n`);
            assert.equal(messages.length, 1, `expected one restricted import, got ${JSON.stringify(messages)}`);
        });

    const allowed: Array<[string, string]> = [
        ["src/completion/probe.ts", "import type { RequestStats } from \"../common/CompletionTypes\";"],
        ["src/vscode/probe.ts", "import { formatBytes } from \"../common/formatBytes\";"],
        ["src/vscode/probe.ts", "import type { EngineClient } from \"../engineHost/EngineClient\";"],
        ["src/extension.ts", "import * as vscode from \"vscode\";"],
        ["src/engine/probe.ts", "import type { EngineOptions } from \"../common/EngineOptions\";"],
        ["src/llamaServer/probe.ts", "import { buildPrompt } from \"../engine/buildPrompt\";"],
        ["src/bench/probe.ts", "import type { BenchTask } from \"./BenchTask\";"],
        ["src/vscode/probe.ts", "import * as vscode from \"vscode\";"],
        ["src/cli/probe.ts", "import type { BenchTask } from \"../bench/BenchTask\";"]
    ];
    for (const [file, line] of allowed)
        it(`accepts in ${file}: ${line}`, async () => {
            assert.deepEqual(await restrictedImports(file, `${line}\n`), []);
        });
});

describe("one llama-server client (eslint.config.mjs)", function () {
    this.timeout(60_000);

    it("refuses fetch in the bench and in src/llamaServer, so both reach llama-server through LlamaServerHttp", async () => {
        const code = "export async function health(): Promise<boolean> {\n    return (await fetch(\"http://127.0.0.1:8080/health\")).ok;\n}\n";
        assert.equal((await ruleMessages("no-restricted-globals", "src/bench/probe.ts", code)).length, 1);
        assert.equal((await ruleMessages("no-restricted-globals", "src/llamaServer/probe.ts", code)).length, 1);
        assert.deepEqual(await ruleMessages("no-restricted-globals", "src/bench/probe.ts", "import { LlamaServerHttp } from \"../llamaServer/LlamaServerHttp\";\nexport const client = LlamaServerHttp;\n"), []);
    });
});

describe("one brace style (eslint.config.mjs)", function () {
    this.timeout(60_000);

    it("refuses braces around a single statement and accepts them around several", async () => {
        const code = (body: string) => `export function f(x: number): number {\n    if (x > 0)${body}\n    return 0;\n}\n`;
        assert.equal((await ruleMessages("curly", "src/engine/probe.ts", code(" {\n        return x;\n    }"))).length, 1);
        assert.deepEqual(await ruleMessages("curly", "src/engine/probe.ts", code("\n        return x;")), []);
        assert.deepEqual(await ruleMessages("curly", "src/engine/probe.ts", code(" {\n        x++;\n        return x;\n    }")), []);
    });
});
