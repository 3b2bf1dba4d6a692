import * as assert from "node:assert/strict";
import { stringDocument } from "../../../src/completion/DocumentView";
import { PromptPlanner } from "../../../src/completion/PromptPlanner";

const budget = { prefixChars: 200, suffixChars: 60, extraChars: 0 };
const uri = "file:///a.ts";

describe("PromptPlanner", () => {
    it("puts the cursor line's text before the cursor in the middle head", () => {
        const text = "line one\nline two\n    ret\nafter\n";
        const offset = text.indexOf("ret") + 3;
        const plan = new PromptPlanner().plan(stringDocument(uri, text), offset, budget);
        assert.equal(plan.prefix, "line one\nline two\n    ret");
        assert.equal(plan.middleChars, "    ret".length);
        assert.equal(plan.suffix, "\nafter\n");
        assert.equal(plan.reusedAnchor, false);
    });

    it("keeps the anchor while the user types on, across line breaks", () => {
        const planner = new PromptPlanner();
        let text = "const a = 1;\n\n// end\n";
        let offset = "const a = 1;\n".length;
        const first = planner.plan(stringDocument(uri, text), offset, budget);
        for (const char of "let b = 2;\nlet c") {
            text = text.slice(0, offset) + char + text.slice(offset);
            offset++;
        }
        const later = planner.plan(stringDocument(uri, text), offset, budget);
        assert.equal(later.reusedAnchor, true);
        assert.equal(later.prefix.slice(0, later.prefix.length - later.middleChars), first.prefix.slice(0, first.prefix.length - first.middleChars));
        assert.equal(later.suffix, first.suffix);
        assert.equal(later.prefix.slice(-later.middleChars), "let b = 2;\nlet c");
    });

    it("moves the anchor when the text after the cursor changes, the head changes, or the cursor jumps back", () => {
        const planner = new PromptPlanner();
        const text = "alpha\nbeta\ngamma\n";
        planner.plan(stringDocument(uri, text), text.indexOf("gamma"), budget);
        const suffixEdited = "alpha\nbeta\ngammX\n";
        assert.equal(planner.plan(stringDocument(uri, suffixEdited), suffixEdited.indexOf("gammX"), budget).reusedAnchor, false);
        const headEdited = "alphA\nbeta\ngammX\n";
        assert.equal(planner.plan(stringDocument(uri, headEdited), headEdited.indexOf("gammX"), budget).reusedAnchor, false);
        assert.equal(planner.plan(stringDocument(uri, headEdited), 2, budget).reusedAnchor, false);
    });

    it("starts afresh when the middle head outgrows its limit", () => {
        const planner = new PromptPlanner({ maxMiddleChars: 10 });
        let text = "x\n";
        planner.plan(stringDocument(uri, text), text.length, budget);
        text += "0123456789";
        assert.equal(planner.plan(stringDocument(uri, text), text.length, budget).reusedAnchor, true);
        text += "A";
        const fresh = planner.plan(stringDocument(uri, text), text.length, budget);
        assert.equal(fresh.reusedAnchor, false);
        assert.equal(fresh.middleChars, "0123456789A".length);
    });

    it("keeps anchors per document", () => {
        const planner = new PromptPlanner();
        planner.plan(stringDocument("file:///one", "one\n"), 4, budget);
        planner.plan(stringDocument("file:///two", "two\n"), 4, budget);
        assert.equal(planner.plan(stringDocument("file:///one", "one\nx"), 5, budget).reusedAnchor, true);
    });
});
