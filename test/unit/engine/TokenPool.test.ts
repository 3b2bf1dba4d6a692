import * as assert from "node:assert/strict";
import { TokenPool } from "../../../src/engine/drafters/TokenPool";

const tokens = (text: string) => [...Buffer.from(text, "latin1")] as never[];
const text = (ids: readonly number[]) => Buffer.from(ids).toString("latin1");

describe("TokenPool", () => {
    it("copies what followed the longest earlier occurrence, from an earlier document", () => {
        const pool = new TokenPool({ capacity: 1024 });
        pool.add(tokens("function parseArgs(argv) { return argv.slice(2); }"));
        pool.add(tokens("const total = items.reduce((sum, item) => sum + item.price, 0);"));
        const match = pool.lookup(tokens("// later\nconst total = items.reduce((sum, it"), 10, 8);
        assert.equal(text(match.tokens), "em) => sum");
        assert.ok(match.matchLength >= 30, String(match.matchLength));
    });

    it("prefers the longer match, and a copy never runs into the next document", () => {
        const pool = new TokenPool({ capacity: 1024 });
        pool.add(tokens("x = value.length;"));
        pool.add(tokens("return result.value.size"));
        pool.add(tokens("zzzz"));
        const match = pool.lookup(tokens("if (result.value.s"), 20, 4);
        assert.equal(text(match.tokens), "ize", "from the longer 'result.value.s' match, stopping at the document's end");
        const other = pool.lookup(tokens("y = value.l"), 20, 4);
        assert.equal(text(other.tokens), "ength;");
    });

    it("proposes nothing below the minimum match, or without a continuation", () => {
        const pool = new TokenPool({ capacity: 1024 });
        pool.add(tokens("abcdefgh ijkl"));
        assert.deepEqual(pool.lookup(tokens("__ijk"), 5, 8).tokens, [], "a 3-token match is below the minimum");
        assert.deepEqual(pool.lookup(tokens("gh ijkl"), 5, 4).tokens, [], "the match ends the document: nothing followed it");
        assert.equal(text(pool.lookup(tokens("Xcdefgh"), 3, 4).tokens), " ij");
        assert.deepEqual(new TokenPool({ capacity: 1024 }).lookup(tokens("abcdefgh"), 5, 4).tokens, [], "empty pool");
    });

    it("is bounded: old documents are forgotten once the ring wraps", () => {
        const pool = new TokenPool({ capacity: 256 });
        pool.add(tokens("the quick brown fox jumps over the lazy dog"));
        assert.equal(text(pool.lookup(tokens("quick brown f"), 3, 8).tokens), "ox ");
        for (let i = 0; i < 20; i++)
            pool.add(tokens(`filler line number ${i} with some more text to fill the ring`));
        assert.equal(pool.lookup(tokens("quick brown f"), 3, 8).tokens.length, 0, "overwritten");
        assert.ok(pool.length > 256);
        const recent = pool.lookup(tokens("filler line number 19 with some"), 5, 8);
        assert.equal(text(recent.tokens), " more");
    });

    it("stores only what changed when a document starts like the previous one, and still finds all of it", () => {
        const pool = new TokenPool({ capacity: 4096 });
        const head = "x".repeat(40) + "export function alpha(a) { return a + 1; }\n".repeat(4);
        pool.add(tokens(`${head}// first tail: beta();`));
        const afterFirst = pool.length;
        pool.add(tokens(`${head}// second tail: gamma(1, 2);`));
        const added = pool.length - afterFirst;
        assert.ok(added < 64 + 40, `added ${added} tokens for a document of ${head.length + 28}`);
        assert.equal(text(pool.lookup(tokens("second tail: gam"), 8, 8).tokens), "ma(1, 2)");
        assert.equal(text(pool.lookup(tokens("first tail: be"), 4, 8).tokens), "ta()");
        const before = pool.length;
        pool.add(tokens(`${head}// second tail: gamma(1, 2);`));
        assert.equal(pool.length, before, "an identical document adds nothing");
    });

    it("refuses a capacity that is not a power of two", () => {
        assert.throws(() => new TokenPool({ capacity: 1000 }), /power of two/);
    });
});
