// The CLI's own edges (issue 13): a closed stdout, a path with a newline, and --max-tokens that
// would leave no room for the prompt.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { smallFixtures } from "../support/engineTestSupport";

const cli = path.resolve(__dirname, "../../../dist/cli.js");

describe("CLI edges", function () {
    this.timeout(120_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-cli-"));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("stops quietly when its stdout is closed early (`… | head`), without an EPIPE stack trace", async () => {
        const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, [cli, "fixtures"], { stdio: ["ignore", "pipe", "pipe"] });
            child.stdout.destroy(); // the reader goes away before the CLI writes anything
            let stderr = "";
            child.stderr.setEncoding("utf8").on("data", (chunk: string) => { stderr += chunk; });
            child.on("close", (status) => resolve({ status, stderr }));
        });
        assert.equal(result.stderr, "");
        assert.equal(result.status, 0);
    });

    it("a path with a newline gives one line on stderr", () => {
        const file = path.join(scratch, "two\nlines.gguf");
        fs.writeFileSync(file, "not a model");
        for (const args of [["--target", file, "--no-draft"], ["--target", path.join(scratch, "missing\nmodel.gguf"), "--no-draft"]]) {
            const run = spawnSync(process.execPath, [cli, "complete", ...args, "--prompt", "x"], { encoding: "utf8" });
            assert.equal(run.status, 2, run.stderr);
            assert.equal(run.stderr.trimEnd().split("\n").length, 1, JSON.stringify(run.stderr));
            assert.ok(run.stderr.includes(JSON.stringify(args[1])), run.stderr);
        }
    });

    it("refuses --max-tokens that leaves the prompt less than half the context, with the largest allowed value", async () => {
        const paths = await smallFixtures();
        const refused = spawnSync(process.execPath, [cli, "complete", "--target", paths.smallTarget, "--no-draft", "--prompt", "x", "--max-tokens", "4085"], { encoding: "utf8" });
        assert.equal(refused.status, 2, refused.stderr);
        // Refused while parsing, before any model loads: the default context is 4096 tokens.
        assert.match(refused.stderr, /^specula: --max-tokens must be a whole number from 1 to 2038 \(the most that fits the 4096-token context, .*\), got "4085"\.\n$/);
    });
});
