import * as assert from "node:assert/strict";
import { buildNextEditPrompt, originalWindowLines, recentEditOf, windowAround } from "../../../src/nextEdit/nextEditPrompt";

const lines = (count: number, name = "x") => Array.from({ length: count }, (_, i) => `line ${i} ${name}`);

describe("next-edit prompt", () => {
    it("places an 11-line window 3 lines above the cursor, kept inside the document", () => {
        assert.deepEqual(windowAround(10, 100), { start: 7, end: 18 });
        assert.deepEqual(windowAround(1, 100), { start: 0, end: 11 });
        assert.deepEqual(windowAround(98, 100), { start: 89, end: 100 });
        assert.deepEqual(windowAround(2, 5), { start: 0, end: 5 });
    });

    it("lays out the recent edit, then the original, current and updated blocks with 1-based inclusive line numbers", () => {
        const before = lines(20);
        const after = before.slice();
        after[5] = "line 5 renamed";
        const prompt = buildNextEditPrompt({
            path: "src/a.py", text: after.join("\n"), cursorLine: 5, original: before.join("\n"),
            edits: [recentEditOf("src/a.py", before.join("\n"), after.join("\n"))!]
        });
        const block = (from: string[]) => from.slice(2, 13).map((line) => `${line}\n`).join("");
        assert.equal(prompt.prompt,
            "<|file_sep|>src/a.py.diff\noriginal:\nline 5 x\nupdated:\nline 5 renamed\n" +
            `<|file_sep|>original/src/a.py:3:13\n${block(before)}` +
            `<|file_sep|>current/src/a.py:3:13\n${block(after)}` +
            "<|file_sep|>updated/src/a.py:3:13\n");
        assert.equal(prompt.currentBlock, block(after));
        assert.equal(after.join("\n").slice(prompt.windowStartOffset, prompt.windowEndOffset), after.slice(2, 13).join("\n") + "\n");
    });

    it("adds a file section only when asked for context lines", () => {
        const text = lines(30).join("\n");
        const prompt = buildNextEditPrompt({ path: "a.js", text, cursorLine: 15, edits: [], fileContextLines: 2 });
        assert.ok(prompt.prompt.startsWith(`<|file_sep|>a.js\n${lines(30).slice(10, 25).map((line) => `${line}\n`).join("")}<|file_sep|>original/a.js:13:23\n`));
    });

    it("maps the window onto the document before an edit that added lines", () => {
        const original = lines(20);
        const current = [...original.slice(0, 4), "new a", "new b", ...original.slice(4)];
        // Window over current lines 8..19 is original lines 6..17.
        assert.deepEqual(originalWindowLines(original, current, { start: 8, end: 19 }), original.slice(6, 17));
        // A window starting above the edit keeps its start, and covers the old lines of the edit.
        assert.deepEqual(originalWindowLines(original, current, { start: 2, end: 13 }), original.slice(2, 11));
        // A window starting inside the added lines starts, before the edit, where the edit did.
        assert.deepEqual(originalWindowLines(original, current, { start: 5, end: 16 }), original.slice(4, 14));
    });

    it("ends the window at the document's end without a line break the document lacks", () => {
        const text = "a\nb\nc";
        const prompt = buildNextEditPrompt({ path: "f", text, cursorLine: 2, edits: [] });
        assert.equal(prompt.currentBlock, "a\nb\nc\n");
        assert.equal(prompt.windowAtEnd, true);
        assert.equal(prompt.windowEndOffset, text.length);
    });
});
