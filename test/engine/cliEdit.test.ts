// `specula edit` (issue 22) on the small fixture pair: its output is noise, so what is checked is
// the command's shape and that speculative edits decode exactly what the target alone does.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { smallFixtures } from "../support/engineTestSupport";

const cli = path.resolve(__dirname, "../../../dist/cli.js");

describe("specula edit", function () {
    this.timeout(300_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-edit-"));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));
    const file = path.join(scratch, "app.py");
    const history = path.join(scratch, "edits.diff");
    fs.writeFileSync(file, ["def total(items):", "    amount = 0", "    for item in items:", "        count += item", "    return count", "", "print(total([1]))", ""].join("\n"));
    fs.writeFileSync(history, ["--- a/app.py", "+++ b/app.py", "@@ -2 +2 @@", "-    count = 0", "+    amount = 0", ""].join("\n"));

    function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
        return spawnSync(process.execPath, [cli, "edit", ...args], { encoding: "utf8", cwd: scratch });
    }

    it("prints one JSON object, and --no-speculative decodes the same tokens", async () => {
        const paths = await smallFixtures();
        const common = ["--target", paths.smallTarget, "--file", file, "--line", "2", "--history", history, "--max-tokens", "48", "--threads", "1", "--json"];
        for (const pair of [["--draft", paths.smallDraft], ["--no-draft"]]) {
            const speculative = run([...common, ...pair]);
            const alone = run([...common, ...pair, "--no-speculative"]);
            assert.equal(speculative.status, 0, speculative.stderr);
            assert.equal(alone.status, 0, alone.stderr);
            const a = JSON.parse(speculative.stdout);
            const b = JSON.parse(alone.stdout);
            assert.deepEqual(Object.keys(a), ["edit", "reason", "window", "output", "tokens", "stopReason", "speculative", "stats"]);
            assert.deepEqual(a.tokens, b.tokens);
            assert.equal(a.output, b.output);
            assert.equal(a.tokens.length, 48);
            assert.equal(a.speculative, true);
            assert.equal(b.speculative, false);
            assert.ok(a.stats.draftedTokens > 0, "the copy proposed nothing");
            assert.deepEqual(a.window, { startLine: 1, endLine: 8 });
            // Cut off by --max-tokens: no edit is offered from a partial window.
            assert.equal(a.edit, null);
            assert.equal(a.reason, "unparseable");
        }
    });

    it("refuses a history that does not match the file, and a line past its end, with one line", async () => {
        const paths = await smallFixtures();
        const other = path.join(scratch, "other.diff");
        fs.writeFileSync(other, ["--- a/app.py", "+++ b/app.py", "@@ -2 +2 @@", "-    x = 0", "+    y = 0", ""].join("\n"));
        const mismatch = run(["--target", paths.smallTarget, "--no-draft", "--file", file, "--line", "2", "--history", other]);
        assert.equal(mismatch.status, 2);
        assert.equal(mismatch.stderr, "specula: --history does not match --file: the file does not hold the diff's last hunk at line 2.\n");
        const past = run(["--target", paths.smallTarget, "--no-draft", "--file", file, "--line", "99"]);
        assert.equal(past.status, 2);
        assert.equal(past.stderr, "specula: --line 99 is past the end of the file (8 lines).\n");
    });
});
