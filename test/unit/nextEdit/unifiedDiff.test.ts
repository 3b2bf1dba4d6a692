import * as assert from "node:assert/strict";
import { parseUnifiedDiff, recentEditOfHunk, revertHunk } from "../../../src/nextEdit/unifiedDiff";

const diff = [
    "diff --git a/src/app.py b/src/app.py",
    "index 1111111..2222222 100644",
    "--- a/src/app.py",
    "+++ b/src/app.py",
    "@@ -2,4 +2,4 @@ def main():",
    " a = 1",
    "-count = 0",
    "+total = 0",
    " b = 2",
    "",
    "@@ -20 +20,2 @@",
    " end",
    "+extra",
    ""
].join("\n");

describe("unified diff history", () => {
    it("reads hunks with their old and new sides, blank context lines included", () => {
        const hunks = parseUnifiedDiff(diff);
        assert.equal(hunks.length, 2);
        assert.deepEqual(hunks[0], { path: "src/app.py", newStart: 2, oldLines: ["a = 1", "count = 0", "b = 2", ""], newLines: ["a = 1", "total = 0", "b = 2", ""] });
        assert.deepEqual(hunks[1], { path: "src/app.py", newStart: 20, oldLines: ["end"], newLines: ["end", "extra"] });
    });

    it("turns a hunk into the lines it changed", () => {
        const [first, second] = parseUnifiedDiff(diff);
        assert.deepEqual(recentEditOfHunk(first), { path: "src/app.py", before: ["count = 0"], after: ["total = 0"] });
        assert.deepEqual(recentEditOfHunk(second), { path: "src/app.py", before: [], after: ["extra"] });
    });

    it("puts the document back as it was before a hunk, and refuses a document that does not hold it", () => {
        const [first] = parseUnifiedDiff(diff);
        const now = "def main():\na = 1\ntotal = 0\nb = 2\n\nrest";
        assert.equal(revertHunk(now, first), "def main():\na = 1\ncount = 0\nb = 2\n\nrest");
        assert.throws(() => revertHunk("def main():\na = 1\nother = 0\nb = 2\n\n", first), /does not hold the diff's last hunk at line 2/);
    });

    it("names the problem in a diff it cannot read", () => {
        assert.throws(() => parseUnifiedDiff("@@ -1 +1 @@\n-a\n+b\n"), /before any "\+\+\+ file" header/);
        assert.throws(() => parseUnifiedDiff("+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n"), /ends inside a hunk/);
        assert.throws(() => parseUnifiedDiff("+++ b/x\n@@ -1 +1 @@\n-a\n-b\n"), /line 4 of the diff does not fit/);
    });
});
