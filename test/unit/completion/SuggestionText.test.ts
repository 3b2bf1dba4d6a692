import * as assert from "node:assert/strict";
import { cleanFor, partialPiece, type SuggestionContext } from "../../../src/completion/SuggestionText";

const context: SuggestionContext = { linePrefix: "    ", lineSuffix: "", nextLines: ["}"], previousLines: ["function f(value, other) {"], eol: "\n", maxLines: 8, languageId: "javascript" };

describe("partialPiece", () => {
    /** Lines that run away, with the length of the piece they repeat. */
    const runaway: Array<[string, number]> = [
        [" * Returns the" + " the".repeat(40), 4],
        ["foo." + "foo.".repeat(20), 4],
        ["in the range" + " range".repeat(30), 6],
        ["but it" + " it".repeat(30), 3],
        ["x = x = x = x = x = x = x = x = x = x = x = x = x = x", 4],
        [" return value + other;".repeat(6), 22]
    ];

    it("never shows a second copy of a repeated piece that the finished line loses (degenerate repetition)", () => {
        for (const [line, unit] of runaway) {
            const final = cleanFor(line, context).text;
            assert.ok(final.length < line.length / 2, `the example is cut when finished: ${JSON.stringify(final)}`);
            let longest = "";
            for (let length = 1; length <= line.length; length++) {
                const shown = partialPiece(line.slice(0, length), "", context)?.text ?? "";
                // Until the piece has come twice it looks like ordinary text: up to one partial copy more may show.
                assert.ok(final.startsWith(shown) || (shown.startsWith(final) && shown.length <= final.length + unit),
                    `${JSON.stringify(line.slice(0, length))} shows ${JSON.stringify(shown)}, the finished line is ${JSON.stringify(final)}`);
                if (shown.length > longest.length)
                    longest = shown;
            }
            assert.ok(longest.length >= final.length, "the partial reaches the finished line's text");
            assert.equal(partialPiece(line, "", context)?.text, final, "once the repetition is plain, the partial is the finished line");
        }
    });

    it("shows a long piece seen once and partly again (it is caught at its second copy; the pipeline re-offers the finished line)", () => {
        assert.equal(partialPiece(" return value + other; return value", "", context)?.text, " return value + other; return");
        assert.equal(partialPiece(" return value + other; return value + other; ret", "", context)?.text, " return value + other;");
    });

    it("shows an ordinary line up to its last whole word", () => {
        assert.equal(partialPiece("const total = items.reduce((sum, ite", "", context)?.text, "const total = items.reduce((sum,");
        assert.equal(partialPiece("return value + other; return value", "", context)?.text, "return value + other; return");
    });
});
