import * as assert from "node:assert/strict";
import { NextEditSession, type NextEditBackend } from "../../../src/nextEdit/NextEditSession";

const before = ["def total(items):", "    count = 0", "    for item in items:", "        count += item", "    return count", ""].join("\n");
const after = before.replace("    count = 0", "    amount = 0");

/** Answers with the current window rewritten by `rewrite`, and records the prompts it saw. */
function backend(rewrite: (window: string) => string, stopReason: "eos" | "maxTokens" = "eos"): NextEditBackend & { prompts: string[] } {
    const prompts: string[] = [];
    return {
        prompts,
        complete: async (request) => {
            prompts.push(request.rawPrompt);
            return { text: rewrite(request.copyFrom), stopReason };
        }
    };
}

function apply(text: string, edit: { start: number; end: number; text: string }): string {
    return text.slice(0, edit.start) + edit.text + text.slice(edit.end);
}

describe("NextEditSession", () => {
    it("asks nothing before the user has edited", async () => {
        const model = backend((window) => window);
        const session = new NextEditSession(model);
        assert.equal(await session.predict("t.py", before, 1), undefined);
        assert.equal(model.prompts.length, 0);
    });

    it("after an edit, shows it to the model and offers the rewrite as one edit of the document", async () => {
        const model = backend((window) => window.replace(/count/g, "amount"));
        const session = new NextEditSession(model);
        session.documentChanged("t.py", before, after);
        const prediction = (await session.predict("t.py", after, 1))!;
        assert.ok(model.prompts[0].startsWith("<|file_sep|>t.py.diff\noriginal:\n    count = 0\nupdated:\n    amount = 0\n<|file_sep|>original/t.py:1:6\ndef total(items):\n    count = 0\n"));
        assert.equal(prediction.outcome.kind, "edit");
        const edit = prediction.outcome.kind === "edit" ? prediction.outcome.edit : { start: 0, end: 0, text: "" };
        assert.equal(apply(after, edit), before.replace(/count/g, "amount"));
    });

    it("offers nothing from a window cut off by the token limit", async () => {
        const session = new NextEditSession(backend((window) => window.replace(/count/g, "amount"), "maxTokens"));
        session.documentChanged("t.py", before, after);
        assert.deepEqual((await session.predict("t.py", after, 1))!.outcome, { kind: "none", reason: "unparseable" });
    });

    it("checks the edit against the document when it is to be applied", async () => {
        const session = new NextEditSession(backend((window) => window.replace(/count/g, "amount")));
        session.documentChanged("t.py", before, after);
        const prediction = (await session.predict("t.py", after, 1))!;
        assert.equal(session.current(prediction, after).kind, "edit");
        assert.deepEqual(session.current(prediction, after.replace("for item", "for each")), { kind: "none", reason: "stale" });
    });

    it("rejects with the signal's reason when aborted", async () => {
        const session = new NextEditSession(backend((window) => window));
        session.documentChanged("t.py", before, after);
        const controller = new AbortController();
        controller.abort(new Error("typed on"));
        await assert.rejects(session.predict("t.py", after, 1, controller.signal), /typed on/);
    });
});
