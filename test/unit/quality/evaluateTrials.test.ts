import * as assert from "node:assert/strict";
import { runTrial } from "../../../src/quality/evaluateTrials";
import type { Trial } from "../../../src/quality/simulateOutputs";

function trial(partial: Partial<Trial["input"]>, expectedText: string, expectedOverwrite = 0, echo?: string): Trial {
    return {
        category: "perfect model, mid-line",
        caseId: "t",
        input: { raw: "", linePrefix: "foo(", lineSuffix: ")", previousLines: [], nextLines: [], eol: "\n", maxLines: 1, indentUnit: "  ", tabSize: 4, languageId: "typescript", ...partial },
        expectedText,
        expectedOverwrite,
        ...(echo !== undefined ? { echo } : {})
    };
}

describe("judging a cleaned output", () => {
    it("compares the document the user gets, ignoring trailing whitespace", () => {
        assert.equal(runTrial(trial({}, "a, b);", 1), () => ({ text: "a, b", overwriteChars: 0 })).outcome, "cutShort");
        assert.equal(runTrial(trial({}, "a, b);", 1), () => ({ text: "a, b);", overwriteChars: 1 })).outcome, "correct");
        assert.equal(runTrial(trial({ lineSuffix: "" }, "x;"), () => ({ text: "x;  ", overwriteChars: 0 })).outcome, "correct");
        assert.equal(runTrial(trial({}, "a"), () => ({ text: "", overwriteChars: 0 })).outcome, "dropped");
    });

    it("flags doubled closers, kept echoes and leaked tokens", () => {
        const doubled = runTrial(trial({}, "a, b);", 1), () => ({ text: "a, b);", overwriteChars: 0 }));
        assert.equal(doubled.outcome, "wrong");
        assert.equal(doubled.doubledCloser, true);
        const echoed = runTrial(trial({ linePrefix: "return ", lineSuffix: "x;" }, "a + ", 0, "x;"), () => ({ text: "a + x;", overwriteChars: 0 }));
        assert.equal(echoed.echoSurvived, true);
        assert.equal(runTrial(trial({}, "a"), () => ({ text: "a<|endoftext|>", overwriteChars: 0 })).leakedToken, true);
    });

    it("tells CRLF from LF", () => {
        const crlf = trial({ lineSuffix: "", eol: "\r\n", maxLines: 8 }, "a\r\nb");
        assert.equal(runTrial(crlf, () => ({ text: "a\r\nb", overwriteChars: 0 })).outcome, "correct");
        assert.equal(runTrial(crlf, () => ({ text: "a\nb", overwriteChars: 0 })).outcome, "wrong");
    });
});
