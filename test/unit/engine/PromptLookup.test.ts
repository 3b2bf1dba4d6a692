import * as assert from "node:assert/strict";
import { PromptLookup } from "../../../src/engine/drafters/PromptLookup";

const tokens = (text: string) => [...Buffer.from(text, "latin1")] as never[];
const text = (ids: readonly number[]) => Buffer.from(ids).toString("latin1");

describe("PromptLookup", () => {
    it("proposes what followed the longest earlier match", () => {
        const drafter = new PromptLookup();
        const history = tokens("const alpha = 1; const beta = 2; const al");
        drafter.reset(history);
        const proposal = drafter.propose(6);
        assert.equal(text(proposal.tokens), "pha = ");
        assert.ok(proposal.matchLength >= 8, String(proposal.matchLength));
    });

    it("continues a repeating pattern past the end of the history", () => {
        const drafter = new PromptLookup();
        drafter.reset(tokens("ab ab ab ab"));
        assert.equal(text(drafter.propose(7).tokens), " ab ab ");
    });

    it("proposes nothing without a long enough match", () => {
        const drafter = new PromptLookup(5);
        drafter.reset(tokens("xyz abc xyq abc"));
        assert.deepEqual(drafter.propose(4).tokens, []);
        const short = new PromptLookup();
        short.reset(tokens("ab"));
        assert.deepEqual(short.propose(4).tokens, []);
    });

    it("sees tokens appended to the history after reset", () => {
        const drafter = new PromptLookup();
        const history = tokens("function f() {} function");
        drafter.reset(history);
        history.push(...tokens(" f"));
        assert.equal(text(drafter.propose(3).tokens), "() ");
    });

    it("prefers the most recent of equally long matches", () => {
        const drafter = new PromptLookup();
        drafter.reset(tokens("- q ab1 - q ab2 - q ab"));
        assert.equal(text(drafter.propose(1).tokens), "2");
    });
});
