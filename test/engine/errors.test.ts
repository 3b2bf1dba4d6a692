import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { isSpeculaError } from "../../src/engine/SpeculaError";
import { validateModelFile } from "../../src/engine/modelFile/validateModelFile";
import { smallFixtures } from "../support/engineTestSupport";

const cli = path.resolve(__dirname, "../../../dist/cli.js");

function runCli(args: string[]) {
    return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 120_000 });
}

describe("bad model files give one clear error", function () {
    this.timeout(300_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-errors-"));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("rejects every corrupt fixture before loading, naming the file", async () => {
        const { corrupt } = await smallFixtures();
        assert.ok(Object.keys(corrupt).length >= 5, "too few corrupt fixtures");
        for (const [name, file] of Object.entries(corrupt))
            await assert.rejects(validateModelFile(file, "target model"), (error: unknown) => {
                assert.ok(isSpeculaError(error), `${name}: ${String(error)}`);
                assert.ok(error.message.includes(file), `${name}: message does not name the file: ${error.message}`);
                assert.ok(!error.message.includes("\n"), `${name}: message is not one line`);
                return true;
            }, name);
        console.log(`      ${Object.keys(corrupt).length} corrupt files rejected`);
    });

    it("names missing files, directories and unreadable files", async () => {
        const missing = path.join(scratch, "nope.gguf");
        await assert.rejects(validateModelFile(missing), /does not exist/);
        await assert.rejects(validateModelFile(scratch), /is a directory/);
        const empty = path.join(scratch, "empty.gguf");
        fs.writeFileSync(empty, "");
        await assert.rejects(validateModelFile(empty), /is empty/);
        if (process.getuid?.() !== 0) {
            const locked = path.join(scratch, "locked.gguf");
            fs.writeFileSync(locked, "GGUF");
            fs.chmodSync(locked, 0);
            await assert.rejects(validateModelFile(locked), /cannot be read/);
        }
    });

    it("a cancelled load rejects with the signal's reason (a cancellation), not as a disposed engine", async () => {
        const paths = await smallFixtures();
        const cancel = new AbortController();
        cancel.abort();
        await assert.rejects(
            SpeculativeEngine.load({ targetPath: paths.smallTarget, draftPath: paths.smallDraft, gpu: "off", threads: 1, contextSize: 1024 }, cancel.signal),
            (error: unknown) => {
                assert.ok(error === cancel.signal.reason, `rejected with ${String(error)}, not the signal's reason`);
                assert.equal((error as Error).name, "AbortError");
                return true;
            }
        );
    });

    it("loads an incompatible draft as target-only, with the reason", async () => {
        const paths = await smallFixtures();
        const engine = await SpeculativeEngine.load({ targetPath: paths.smallTarget, draftPath: paths.incompatibleDraft, gpu: "off", threads: 1, contextSize: 1024 });
        try {
            assert.equal(engine.info.speculationAvailable, false);
            assert.match(engine.info.speculationUnavailableReason ?? "", /cannot draft/);
            const result = await engine.complete({ prefix: "export ", maxTokens: 8 });
            assert.equal(result.speculative, false);
            assert.equal(result.stats.draftedTokens, 0);
        } finally {
            await engine.dispose();
        }
    });

    it("CLI: exit code 2 and one stderr line for bad input, never a stack trace", async () => {
        const paths = await smallFixtures();
        const cases: Array<[string, string[], RegExp]> = [
            ["bad argument", ["complete", "--prompt", "x", "--max-tokens", "many"], /--max-tokens/],
            ["missing file", ["complete", "--target", path.join(scratch, "missing.gguf"), "--prompt", "x"], /does not exist/],
            ["missing prefix file", ["complete", "--target", paths.smallTarget, "--prefix-file", path.join(scratch, "p.txt")], /prefix file/]
        ];
        for (const [name, file] of Object.entries(paths.corrupt))
            cases.push([`corrupt ${name}`, ["complete", "--target", file, "--prompt", "x"], /target model file/]);
        for (const [name, args, pattern] of cases) {
            const result = runCli(args);
            assert.equal(result.status, 2, `${name}: exit ${result.status}, stderr ${result.stderr}`);
            const lines = result.stderr.trim().split("\n");
            assert.equal(lines.length, 1, `${name}: ${result.stderr}`);
            assert.match(lines[0], /^specula: /);
            assert.match(lines[0], pattern, name);
            assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+/, `${name}: stack trace`);
        }
        console.log(`      ${cases.length} CLI error cases exit 2 with one line`);
    });

    it("CLI: complete with an incompatible draft completes with the target alone and says so", async () => {
        const paths = await smallFixtures();
        const result = runCli(["complete", "--target", paths.smallTarget, "--draft", paths.incompatibleDraft, "--prompt", "export ", "--max-tokens", "8", "--threads", "1"]);
        assert.equal(result.status, 0, result.stderr);
        assert.notEqual(result.stdout.trim(), "", "no completion printed");
        const lines = result.stderr.trim().split("\n");
        assert.equal(lines.length, 2, result.stderr);
        assert.match(lines[0], /^\[specula\] The draft model .* cannot draft for .*\. Completing with the target alone\.$/);
        assert.match(lines[1], /^\[specula\] \d+ tokens in \d+ ms; target alone$/);
    });

    it("CLI: complete --json prints text, tokens and stats", async () => {
        const paths = await smallFixtures();
        const result = runCli(["complete", "--target", paths.smallTarget, "--draft", paths.smallDraft, "--prompt", "export function ",
            "--max-tokens", "24", "--threads", "1", "--json"]);
        assert.equal(result.status, 0, result.stderr);
        const output = JSON.parse(result.stdout);
        assert.equal(typeof output.text, "string");
        assert.ok(Array.isArray(output.tokens) && output.tokens.length > 0);
        for (const key of ["draftedTokens", "acceptedTokens", "targetEvals", "acceptanceRate", "tokensPerTargetEval", "ms"])
            assert.equal(typeof output.stats[key], "number", key);
        assert.ok(output.stats.acceptedTokens <= output.stats.draftedTokens);
    });
});
