import * as assert from "node:assert/strict";
import { EditHistory } from "../../../src/nextEdit/EditHistory";

describe("EditHistory", () => {
    it("makes one edit of keystrokes on the same line, keeping the text before the first", () => {
        const history = new EditHistory();
        const v0 = "a = 1\nfoo = 2\nb = foo\n";
        const v1 = "a = 1\nfooB = 2\nb = foo\n";
        const v2 = "a = 1\nfooBa = 2\nb = foo\n";
        const v3 = "a = 1\nfooBar = 2\nb = foo\n";
        history.record("f.py", v0, v1);
        history.record("f.py", v1, v2);
        history.record("f.py", v2, v3);
        assert.deepEqual(history.edits(), [{ path: "f.py", before: ["foo = 2"], after: ["fooBar = 2"] }]);
        assert.equal(history.originalOf("f.py", v3), v0);
    });

    it("starts a new edit for a change on other lines, keeping the last ones only", () => {
        const history = new EditHistory(2);
        const v0 = "a\nb\nc\nd\ne\nf\ng\n";
        const v1 = "A\nb\nc\nd\ne\nf\ng\n";
        const v2 = "A\nb\nc\nD\ne\nf\ng\n";
        const v3 = "A\nb\nc\nD\ne\nf\nG!\n";
        history.record("f", v0, v1);
        history.record("f", v1, v2);
        history.record("f", v2, v3);
        assert.deepEqual(history.edits(), [
            { path: "f", before: ["d"], after: ["D"] },
            { path: "f", before: ["g"], after: ["G!"] }
        ]);
        assert.equal(history.originalOf("f", v3), v2);
    });

    it("makes one edit of changes on adjacent lines (a line break, then the new line)", () => {
        const history = new EditHistory();
        history.record("f", "a\nb\n", "a\n\nb\n");
        history.record("f", "a\n\nb\n", "a\nx\nb\n");
        assert.deepEqual(history.edits(), [{ path: "f", before: [], after: ["x"] }]);
        assert.equal(history.originalOf("f", "a\nx\nb\n"), "a\nb\n");
    });

    it("knows no original for another document or a text it did not see", () => {
        const history = new EditHistory();
        history.record("f", "x\n", "y\n");
        assert.equal(history.originalOf("g", "y\n"), undefined);
        assert.equal(history.originalOf("f", "z\n"), undefined);
    });

    it("forgets an edit the user typed back to where it started", () => {
        const history = new EditHistory();
        history.record("f", "ab\n", "abc\n");
        history.record("f", "abc\n", "ab\n");
        assert.deepEqual(history.edits(), []);
        assert.equal(history.originalOf("f", "ab\n"), undefined);
    });
});
