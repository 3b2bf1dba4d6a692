import * as assert from "node:assert/strict";
import { NextEditSession, type NextEditBackend } from "../../../src/nextEdit/NextEditSession";
import { offerOf, PendingNextEdits } from "../../../src/nextEdit/nextEditOffer";

const before = ["def total(items):", "    count = 0", "    for item in items:", "        count += item", "    return count", ""].join("\n");
const after = before.replace("    count = 0", "    amount = 0");

function answering(rewrite: (window: string) => string): NextEditBackend {
    return { complete: async (request) => ({ text: rewrite(request.copyFrom), stopReason: "eos" }) };
}

async function predicted(rewrite: (window: string) => string) {
    const session = new NextEditSession(answering(rewrite));
    session.documentChanged("t.py", before, after);
    const pending = new PendingNextEdits(session);
    pending.set("doc", (await session.predict("t.py", after, 1))!);
    return pending;
}

describe("next-edit offers", () => {
    it("shows an insertion at the cursor as ghost text, and any other edit as a replacement", () => {
        assert.deepEqual(offerOf({ start: 5, end: 5, text: "x)" }, 5), { kind: "insertAtCursor", text: "x)" });
        assert.deepEqual(offerOf({ start: 5, end: 5, text: "x)" }, 4), { kind: "replace", start: 5, end: 5, text: "x)" });
        assert.deepEqual(offerOf({ start: 5, end: 9, text: "amount" }, 5), { kind: "replace", start: 5, end: 9, text: "amount" });
    });

    it("offers the predicted rename as a replacement of the document's text, which the document does not get by itself", async () => {
        const pending = await predicted((window) => window.replace(/count/g, "amount"));
        const line3 = after.indexOf("        count += item");
        const offer = pending.offer("doc", after, line3);
        assert.deepEqual(offer, { kind: "replace", start: line3 + 8, end: after.indexOf("    return count") + 12, text: "amount += item\n    return am" });
        assert.equal(pending.has("doc"), true, "the offer stays until accepted or stale");
    });

    it("offers an insertion at the cursor as ghost text", async () => {
        const pending = await predicted((window) => window.replace("count += item", "count += item * 2"));
        const cursor = after.indexOf("count += item") + "count += item".length;
        assert.deepEqual(pending.offer("doc", after, cursor), { kind: "insertAtCursor", text: " * 2" });
    });

    it("keeps offering the rest when the user types the edit's start, and drops a stale edit for good", async () => {
        const pending = await predicted((window) => window.replace(/count/g, "amount"));
        const start = after.indexOf("        count += item") + 8;
        const typed = `${after.slice(0, start)}a${after.slice(start)}`;
        assert.deepEqual(pending.offer("doc", typed, start + 1), { kind: "replace", start: start + 1, end: after.indexOf("    return count") + 13, text: "mount += item\n    return am" });
        assert.equal(pending.offer("doc", after.replace("for item", "for each"), 0), undefined);
        assert.equal(pending.has("doc"), false);
        assert.equal(pending.offer("doc", after, 0), undefined, "a dropped edit does not come back");
    });

    it("offers nothing, and forgets the prediction, when the model rewrote the window as it is", async () => {
        const pending = await predicted((window) => window);
        assert.equal(pending.offer("doc", after, 0), undefined);
        assert.equal(pending.has("doc"), false);
    });
});
