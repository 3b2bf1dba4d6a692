import * as assert from "node:assert/strict";
import { displayHunks } from "../../../src/nextEdit/displayHunks";
import type { TextEdit } from "../../../src/nextEdit/nextEditOutput";

function apply(text: string, edits: readonly TextEdit[]): string {
    let out = text;
    for (const edit of [...edits].sort((a, b) => b.start - a.start))
        out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    return out;
}

// After the user renamed `message` on line 2, the model carries it to lines 3 and 4: one edit from
// line 3's `)` to the end of line 4.
const typed = "def greet(name):\n    message_text = \"Hello, \" + name\n    print(message)\n    return message\n";
const start = typed.indexOf("message)") + "message".length;
const rename: TextEdit = { start, end: typed.length - 1, text: "_text)\n    return message_text" };

describe("next-edit display hunks", () => {
    it("draws a rename carried to two lines as the two insertions, and they apply as the edit does", () => {
        const hunks = displayHunks(typed, rename);
        assert.deepEqual(hunks, [
            { start, end: start, text: "_text" },
            { start: typed.length - 1, end: typed.length - 1, text: "_text" }
        ]);
        assert.equal(apply(typed, hunks), apply(typed, [rename]));
        assert.equal(apply(typed, hunks), typed.replace(/message\b/g, "message_text"));
    });

    it("skips the lines the edit keeps and trims each changed line to its change", () => {
        const text = "a = total\nb = 1\nc = total + 1\n";
        const edit: TextEdit = { start: 4, end: text.indexOf(" + 1"), text: "sum\nb = 1\nc = sum" };
        const hunks = displayHunks(text, edit);
        assert.deepEqual(hunks, [{ start: 4, end: 9, text: "sum" }, { start: text.indexOf("total + 1"), end: text.indexOf(" + 1"), text: "sum" }]);
        assert.equal(apply(text, hunks), apply(text, [edit]));
    });

    it("keeps an edit that adds or removes lines whole", () => {
        const text = "x = 1\ny = 2\n";
        const added: TextEdit = { start: 5, end: 5, text: "\nz = 3" };
        assert.deepEqual(displayHunks(text, added), [added]);
        const removed: TextEdit = { start: 5, end: 11, text: "" };
        assert.deepEqual(displayHunks(text, removed), [removed]);
    });
});
