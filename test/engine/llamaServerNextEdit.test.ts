// Next edits on a real llama-server (built by scripts/build-llama-server.sh) running the trained
// next-edit fixture model, speculating by itself with n-grams (`--spec-type ngram-mod`) or with the
// code pair's draft (`-md`, same vocabulary): for the same file, line and edit history, the output
// sent back and the edit made of it are exactly what `specula edit --no-speculative --json` (the
// local engine, target alone, greedy) predicts.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { editPrompt, type EditJson } from "../../src/cli/editCommand";
import { editFromOutput } from "../../src/nextEdit/nextEditOutput";
import { LlamaServerNextEdit } from "../../src/llamaServer/LlamaServerNextEdit";
import { findLlamaServer, startLlamaServer, type LlamaServerProcess } from "../support/llamaServerProcess";

const repository = path.resolve(__dirname, "..", "..", "..");
const cli = path.join(repository, "dist", "cli.js");
const model = path.join(repository, "test", "models", "next-edit", "next-edit-target.gguf");
const codeDraft = path.join(repository, "test", "models", "code-pair", "code-draft.gguf");

/** Edit tasks: a file after the user's edit, the cursor line (1-based) and the edit as a unified diff. */
const tasks = [
    {
        // The extension-host test's rename: the model carries it to `total +=` below.
        name: "cart.js",
        lines: ["function sumPrices(items) {", "    let totalPrice = 0;", "    for (const item of items) {", "        total += item.price;", "    }", "    return total;", "}", "", "module.exports = { sumPrices };", ""],
        line: 2,
        diff: ["--- a/cart.js", "+++ b/cart.js", "@@ -2 +2 @@", "-    let total = 0;", "+    let totalPrice = 0;", ""]
    },
    {
        name: "app.py",
        lines: ["def total(items):", "    amount = 0", "    for item in items:", "        count += item", "    return count", "", "print(total([1]))", ""],
        line: 2,
        diff: ["--- a/app.py", "+++ b/app.py", "@@ -2 +2 @@", "-    count = 0", "+    amount = 0", ""]
    },
    {
        name: "greet.ts",
        lines: ["export function greet(name: string, excited: boolean) {", "    const text = `Hello, ${name}`;", "    return excited ? text + \"!\" : text;", "}", "", "greet(\"Ada\");", "greet(\"Bob\");", ""],
        line: 1,
        diff: ["--- a/greet.ts", "+++ b/greet.ts", "@@ -1 +1 @@", "-export function greet(name: string) {", "+export function greet(name: string, excited: boolean) {", ""]
    }
];

describe("next edits on a real llama-server with the next-edit fixture model", function () {
    this.timeout(300_000);
    let binary: string | undefined;
    let server: LlamaServerProcess | undefined;
    const expected = new Map<string, EditJson>();
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-server-edit-"));

    before(async function () {
        const found = findLlamaServer(repository);
        if (found.path == null) {
            // CI builds it first (.ci/run); on a developer machine without it, say so loudly.
            if (process.env.CI === "true")
                throw new Error(`CI=true but llama-server is not built: ${found.reason}`);
            console.log(`\n######## SKIPPED: llama-server next-edit tests (${found.reason}). Run scripts/build-llama-server.sh (~35 min) to enable them. ########`);
            this.skip();
        }
        assert.ok(fs.existsSync(cli), `${cli} is built (node scripts/build.mjs)`);
        binary = found.path!;
        // What the local engine predicts, target alone, greedy.
        for (const task of tasks) {
            const file = path.join(scratch, task.name);
            const history = path.join(scratch, `${task.name}.diff`);
            fs.writeFileSync(file, task.lines.join("\n"));
            fs.writeFileSync(history, task.diff.join("\n"));
            const local = spawnSync(process.execPath, [cli, "edit", "--target", model, "--no-draft", "--no-speculative", "--file", file, "--line", String(task.line), "--history", history, "--max-tokens", "256", "--threads", "1", "--json"], { encoding: "utf8", cwd: scratch });
            assert.equal(local.status, 0, local.stderr);
            expected.set(task.name, JSON.parse(local.stdout) as EditJson);
        }
    });

    afterEach(async () => {
        await server?.stop();
        server = undefined;
    });

    after(() => {
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    /** Asks the server for each task's edit and compares it with the local engine's; returns one line per task. */
    async function compareWithLocal(): Promise<string[]> {
        const client = new LlamaServerNextEdit({ url: server!.url, urlSource: "default", timeoutMs: 30_000 });
        const edits: string[] = [];
        for (const task of tasks) {
            const local = expected.get(task.name)!;
            const file = path.join(scratch, task.name);
            const prompt = editPrompt(file, task.lines.join("\n"), task.line, task.diff.join("\n"), scratch);
            const answer = await client.complete({ rawPrompt: prompt.prompt, copyFrom: prompt.currentBlock, maxTokens: 256 });
            assert.equal(answer.text, local.output, `${task.name}: the server's output`);
            assert.equal(answer.stopReason, local.stopReason, task.name);
            const outcome = editFromOutput(answer.text, prompt, answer.stopReason === "eos");
            if (local.edit == null)
                assert.deepEqual(outcome, { kind: "none", reason: local.reason }, task.name);
            else
                assert.deepEqual(outcome, { kind: "edit", edit: { start: local.edit.startOffset, end: local.edit.endOffset, text: local.edit.text } }, task.name);
            edits.push(`${task.name}: ${outcome.kind === "edit" ? `edit ${JSON.stringify(outcome.edit.text)}` : `no edit (${outcome.reason})`}`);
        }
        console.log(`      ${edits.join("; ")}`);
        return edits;
    }

    it("with --spec-type ngram-mod: the edit `specula edit --no-speculative --json` predicts, output for output", async () => {
        server = await startLlamaServer({ binary: binary!, target: model, spm: false, contextSize: 2048, extraArgs: ["--spec-type", "ngram-mod"] });
        const edits = await compareWithLocal();
        // Not only "no edit" everywhere: the rename is carried to the line below, as in the extension-host test.
        assert.match(edits[0]!, /^cart\.js: edit "Price \+= item\.price;/);
    });

    it("with a draft model (-md, the code pair's draft): the same edits", async () => {
        server = await startLlamaServer({ binary: binary!, target: model, draft: codeDraft, spm: false, contextSize: 2048 });
        const edits = await compareWithLocal();
        assert.match(edits[0]!, /^cart\.js: edit "Price \+= item\.price;/);
    });
});
