import * as assert from "node:assert/strict";
import { findRunawayCut, maxCompletionLineChars, provisionalRunawayEnd } from "../../../../src/completion/cleaning/runawayLine";

describe("findRunawayCut", () => {
    const kept = (line: string): string | undefined => {
        const cut = findRunawayCut(line);
        return cut === undefined ? undefined : line.slice(0, cut.end);
    };

    it("cuts degenerate repetition after one copy (the README demo's `* the the the …`)", () => {
        assert.equal(kept(" * Returns the" + " the".repeat(40)), " * Returns the ");
        assert.equal(kept("foo." + "foo.".repeat(20)), "foo.");
    });

    it("keeps a whole word when the run starts mid-word", () => {
        // `the range range`: the 6-character period starts at the `e` of `the`.
        assert.equal(kept("in the range" + " range".repeat(30))?.trimEnd(), "in the range");
        // `but it it it`: the run starts at the `t` of `but`.
        assert.equal(kept("but it" + " it".repeat(30))?.trimEnd(), "but it");
    });

    it("leaves code that repeats a little, separators and numbers alone", () => {
        for (const line of ["a, a, a", "x.x.x.x", "// " + "=".repeat(80), "0x" + "0".repeat(40), "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]", "'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'"])
            assert.equal(findRunawayCut(line), undefined, line);
    });

    it("caps a line at the last space before the cap, or at the cap", () => {
        const spaced = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
        const cut = findRunawayCut(spaced)!;
        assert.equal(cut.reason, "length");
        assert.ok(cut.end <= maxCompletionLineChars && cut.end > maxCompletionLineChars - 40 && spaced[cut.end] === " ");
        assert.equal(findRunawayCut("7".repeat(300))!.end, maxCompletionLineChars);
        assert.equal(findRunawayCut("7".repeat(maxCompletionLineChars)), undefined);
    });

    it("decides the cut from the line up to decidedAt: more text never moves it", () => {
        const line = "return the" + " the".repeat(9) + " value of everything else";
        const cut = findRunawayCut(line)!;
        assert.ok(cut.decidedAt < line.length);
        for (const more of ["", " the the", "x".repeat(300)])
            assert.deepEqual(findRunawayCut(line.slice(0, cut.decidedAt) + more), cut);
    });

    it("does not split a surrogate pair at the cap", () => {
        const line = "😀".repeat(200);
        const cut = findRunawayCut(line)!;
        assert.equal(cut.end % 2, 0);
    });
});

describe("provisionalRunawayEnd", () => {
    it("cuts after the first copy once a line ends with a piece twice", () => {
        // As findRunawayCut does, the cut keeps the space after the copy (cleaning trims it).
        assert.equal(provisionalRunawayEnd(" the the"), " the ".length);
        assert.equal(provisionalRunawayEnd("x = the range range"), "x = the range ".length);
        assert.equal(provisionalRunawayEnd(" return value + other; return value + other;"), " return value + other; ".length);
    });

    it("leaves lines that end with no repeated piece, or with short ordinary repeats, alone", () => {
        for (const line of ["const total = items.reduce((sum, item) => sum + item.price, 0);", "seed", "x.x.", "if (a && a", "// ------", "[0, 0, 0, 0, 0, 0"])
            assert.equal(provisionalRunawayEnd(line), undefined, line);
    });
});
