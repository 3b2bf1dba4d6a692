import * as assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { checkOutputFolder, writeFixtures } from "../../../src/cli/writeFixtures";
import { SpeculaError } from "../../../src/engine/SpeculaError";

function badArgument(pattern: RegExp) {
    return (error: unknown) => {
        assert.ok(error instanceof SpeculaError, `not a SpeculaError (so exit 1, "unexpected error"): ${String(error)}`);
        assert.equal(error.code, "BAD_ARGUMENT");
        assert.match(error.message, pattern);
        return true;
    };
}

describe("fixtures --out", () => {
    let scratch: string;
    let file: string;
    beforeEach(async () => {
        scratch = await fs.mkdtemp(path.join(os.tmpdir(), "specula-out-"));
        file = path.join(scratch, "notes.txt");
        await fs.writeFile(file, "keep me");
    });
    afterEach(async () => { await fs.rm(scratch, { recursive: true, force: true }); });

    it("refuses a file as --out with one clear line (exit 2), and leaves the file as it was", async () => {
        await assert.rejects(writeFixtures(file, false), badArgument(/^--out ".*notes\.txt" is a file, not a folder\.$/));
        await assert.rejects(writeFixtures(path.join(file, "models"), false), badArgument(/^--out ".*models" cannot be made: ".*notes\.txt" is a file, not a folder\.$/));
        assert.equal(await fs.readFile(file, "utf8"), "keep me");
    });

    it("accepts a folder that exists or can be made", async () => {
        await checkOutputFolder(scratch, "--out");
        await checkOutputFolder(path.join(scratch, "a", "b"), "--out");
    });
});
