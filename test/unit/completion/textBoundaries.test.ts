import * as assert from "node:assert/strict";
import { firstNewline, lastNewline, safeEnd, safeStart, splitsCharacter, splitsPair } from "../../../src/completion/textBoundaries";

describe("textBoundaries", () => {
    it("detects cuts inside surrogate pairs and CRLF, not elsewhere", () => {
        const text = "a😀b\r\nc";
        // a=0, 😀=1..2, b=3, \r=4, \n=5, c=6
        assert.equal(splitsPair(text, 2), true);
        assert.equal(splitsPair(text, 5), true);
        for (const index of [0, 1, 3, 4, 6, 7])
            assert.equal(splitsPair(text, index), false, `index ${index}`);
    });

    it("treats combining marks, variation selectors, ZWJ and skin tones as part of the previous character", () => {
        assert.equal(splitsCharacter("e\u0301", 1), true);
        assert.equal(splitsCharacter("\u2764\uFE0F", 1), true);
        const family = "👨\u200d👩";
        assert.equal(splitsCharacter(family, 2), true, "before the joiner");
        assert.equal(splitsCharacter(family, 3), true, "after the joiner");
        assert.equal(splitsCharacter("👍🏽", 2), true);
        assert.equal(splitsCharacter("ab", 1), false);
    });

    it("moves starts forward and ends backward to whole characters, within limits", () => {
        const text = "x😀e\u0301y";
        // x=0, 😀=1..2, e=3, \u0301=4, y=5
        assert.equal(safeStart(text, 2, text.length), 3);
        assert.equal(safeStart(text, 4, text.length), 5);
        assert.equal(safeEnd(text, 2, 0), 1);
        assert.equal(safeEnd(text, 4, 0), 3);
        assert.equal(safeStart(text, 2, 2), 2, "never past the limit");
        assert.equal(safeEnd(text, 4, 4), 4, "never before the limit");
    });

    it("finds newlines only inside the given range", () => {
        const text = "ab\ncd\nef";
        assert.equal(firstNewline(text, 0, 8), 2);
        assert.equal(firstNewline(text, 3, 8), 5);
        assert.equal(firstNewline(text, 3, 5), -1);
        assert.equal(lastNewline(text, 0, 8), 5);
        assert.equal(lastNewline(text, 0, 5), 2);
        assert.equal(lastNewline(text, 3, 5), -1);
        assert.equal(firstNewline(text, -5, 100), 2, "clamped to the text");
        assert.equal(lastNewline(text, -5, 100), 5);
    });
});
