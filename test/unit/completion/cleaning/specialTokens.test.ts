import * as assert from "node:assert/strict";
import { couldStartSpecialToken, dropBrokenEnds, splitAtSpecialToken } from "../../../../src/completion/cleaning/specialTokens";

describe("special tokens and broken ends", () => {
    it("says whether a later token ended the text", () => {
        assert.deepEqual(splitAtSpecialToken("x;<|endoftext|>y"), { text: "x;", ended: true });
        assert.deepEqual(splitAtSpecialToken("<|fim_middle|>x;"), { text: "x;", ended: false });
        assert.deepEqual(splitAtSpecialToken("x < y"), { text: "x < y", ended: false });
    });

    it("knows which fragments more text could turn into a token", () => {
        for (const fragment of ["<", "<|", "<|endoft", "<|im_end|", "<fim_mid", "<fim-", "</", "<EO", "<｜end▁of"])
            assert.equal(couldStartSpecialToken(fragment), true, fragment);
        for (const fragment of ["<=", "< y", "<div", "<|a b", "<s>", "<|" + "a".repeat(41)])
            assert.equal(couldStartSpecialToken(fragment), false, fragment);
    });

    it("drops half characters at the ends only", () => {
        assert.equal(dropBrokenEnds("\uDE00ok\uD83D"), "ok");
        assert.equal(dropBrokenEnds("ok\uFFFD\uFFFD"), "ok");
        assert.equal(dropBrokenEnds("a\uFFFDb"), "a\uFFFDb");
    });
});
