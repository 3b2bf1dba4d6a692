import * as assert from "node:assert/strict";
import { editFromOutput, minimalReplacement, rebaseEdit, type TextEdit } from "../../../src/nextEdit/nextEditOutput";
import { buildNextEditPrompt } from "../../../src/nextEdit/nextEditPrompt";

const doc = [
    "def total(items):",
    "    count = 0",
    "    for item in items:",
    "        count += item.price",
    "    return count",
    "",
    "print(total([]))",
    ""
].join("\n");

function apply(text: string, edit: TextEdit): string {
    return text.slice(0, edit.start) + edit.text + text.slice(edit.end);
}

describe("next-edit output", () => {
    const prompt = buildNextEditPrompt({ path: "t.py", text: doc, cursorLine: 1, edits: [] });

    it("turns a rewritten window into one edit of the document", () => {
        const updated = prompt.currentBlock.replace(/count/g, "amount");
        const outcome = editFromOutput(updated, prompt, true);
        assert.equal(outcome.kind, "edit");
        assert.equal(apply(doc, outcome.kind === "edit" ? outcome.edit : { start: 0, end: 0, text: "" }), doc.replace(/count/g, "amount"));
    });

    it("offers nothing when the window comes back unchanged", () => {
        assert.deepEqual(editFromOutput(prompt.currentBlock, prompt, true), { kind: "none", reason: "noChange" });
    });

    it("drops output cut off by the token limit, or holding layout markers, or without its last line break", () => {
        const updated = prompt.currentBlock.replace("count = 0", "count = 1");
        assert.deepEqual(editFromOutput(updated, prompt, false), { kind: "none", reason: "unparseable" });
        assert.deepEqual(editFromOutput(updated.slice(0, -3), prompt, true), { kind: "none", reason: "unparseable" });
        assert.deepEqual(editFromOutput(`${updated}<|file_sep|>x\n`, prompt, true), { kind: "none", reason: "unparseable" });
    });

    it("drops a rewrite that deletes most of the window", () => {
        assert.deepEqual(editFromOutput("def total(items):\n", prompt, true), { kind: "none", reason: "deletesMost" });
    });

    it("drops a rewrite that runs on into the lines after the window", () => {
        const long = Array.from({ length: 30 }, (_, i) => `v${i} = ${i}`).join("\n");
        const p = buildNextEditPrompt({ path: "v.py", text: long, cursorLine: 5, edits: [] });
        const after = long.split("\n").slice(p.window.end, p.window.end + 2).map((line) => `${line}\n`).join("");
        const runOn = p.currentBlock.replace("v3 = 3", "v3 = 4") + after;
        assert.deepEqual(editFromOutput(runOn, p, true), { kind: "none", reason: "outsideWindow" });
        // The same rewrite without the run-on is offered.
        assert.equal(editFromOutput(p.currentBlock.replace("v3 = 3", "v3 = 4"), p, true).kind, "edit");
    });

    it("keeps the document's last line without a line break when the window reaches it", () => {
        const text = "a = 1\nb = a";
        const p = buildNextEditPrompt({ path: "e.py", text, cursorLine: 1, edits: [] });
        const outcome = editFromOutput("a = 1\nb = a + 1\n", p, true);
        assert.equal(outcome.kind, "edit");
        assert.equal(apply(text, outcome.kind === "edit" ? outcome.edit : { start: 0, end: 0, text: "" }), "a = 1\nb = a + 1");
        const added = editFromOutput("a = 1\nb = a\nc = b\n", p, true);
        assert.equal(apply(text, added.kind === "edit" ? added.edit : { start: 0, end: 0, text: "" }), "a = 1\nb = a\nc = b");
    });

    it("finds the shortest replacement without splitting a surrogate pair", () => {
        assert.deepEqual(minimalReplacement("abcdef", "abXYef"), { start: 2, end: 4, text: "XY" });
        assert.equal(minimalReplacement("same", "same"), undefined);
        const edit = minimalReplacement("x\u{1F600}y", "x\u{1F601}y")!;
        assert.deepEqual(edit, { start: 1, end: 3, text: "\u{1F601}" });
    });

    describe("after the user typed on", () => {
        const updated = prompt.currentBlock.replace("count = 0", "count = 10");
        const outcome = editFromOutput(updated, prompt, true);
        const edit = outcome.kind === "edit" ? outcome.edit : { start: 0, end: 0, text: "" };

        it("keeps the edit when nothing changed, and moves it with a change above the window", () => {
            assert.deepEqual(rebaseEdit(edit, prompt, doc), { kind: "edit", edit });
            const far = Array.from({ length: 20 }, (_, i) => `w${i} = ${i}`).join("\n");
            const p = buildNextEditPrompt({ path: "w.py", text: far, cursorLine: 15, edits: [] });
            const o = editFromOutput(p.currentBlock.replace("w14 = 14", "w14 = 41"), p, true);
            const e = o.kind === "edit" ? o.edit : { start: 0, end: 0, text: "" };
            const typedAbove = `# note\n${far}`;
            const moved = rebaseEdit(e, p, typedAbove);
            assert.equal(moved.kind, "edit");
            assert.equal(apply(typedAbove, moved.kind === "edit" ? moved.edit : e), `# note\n${far.replace("w14 = 14", "w14 = 41")}`);
        });

        it("offers the rest when the user typed the start of the edit", () => {
            // The edit inserts "1" before "0"… typed: the insertion is done, nothing differs.
            const typed = apply(doc, { start: edit.start, end: edit.start, text: edit.text.slice(0, 1) });
            const rebased = rebaseEdit({ ...edit, text: `${edit.text}2` }, prompt, typed);
            assert.equal(rebased.kind, "edit");
            assert.equal(apply(typed, rebased.kind === "edit" ? rebased.edit : edit), apply(doc, { ...edit, text: `${edit.text}2` }));
        });

        it("drops the edit after any other change in the window", () => {
            const changed = doc.replace("for item", "for thing");
            assert.deepEqual(rebaseEdit(edit, prompt, changed), { kind: "none", reason: "stale" });
        });
    });
});
