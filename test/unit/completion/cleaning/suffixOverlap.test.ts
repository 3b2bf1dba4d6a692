import * as assert from "node:assert/strict";
import { openAfter, syntaxFor } from "../../../../src/completion/cleaning/BracketScanner";
import { fitToLineSuffix, type LineEdit } from "../../../../src/completion/cleaning/suffixOverlap";

function fit(completion: string, linePrefix: string, lineSuffix: string, more: { previousLines?: string[]; nextLines?: string[]; languageId?: string } = {}): LineEdit {
    const syntax = syntaxFor(more.languageId ?? "typescript");
    const previousLines = more.previousLines ?? [];
    return fitToLineSuffix(completion, { linePrefix, lineSuffix, previousLines, nextLines: more.nextLines ?? [], syntax, above: openAfter(previousLines, syntax) });
}

describe("fitToLineSuffix", () => {
    it("keeps trailing whitespace before code, drops it before whitespace", () => {
        assert.equal(fit("else ", "\t\t} ", "{", { languageId: "go" }).text, "else ");
        assert.equal(fit("x ", "a = ", " + 1").text, "x");
    });

    it("replaces auto-closed characters the completion closes, with an insert-only fallback", () => {
        // cheerio src/load-parse.ts:12
        assert.deepEqual(fit("content, options, isDocument, context),", "    : parseWithParse5(", ")"),
            { text: "content, options, isDocument, context),", overwriteChars: 1, insertOnly: "content, options, isDocument, context" });
        // ajv lib/compile/names.ts:19
        assert.deepEqual(fit("scope\"),", "  scope: new Name(\"", "\")"), { text: "scope\"),", overwriteChars: 2, insertOnly: "scope" });
    });

    it("inserts less instead of replacing when the completion ends with the auto-closed characters", () => {
        assert.deepEqual(fit("a, b)", "foo(", ")"), { text: "a, b", overwriteChars: 0, insertOnly: "a, b" });
    });

    it("replaces nothing the completion leaves to the suffix", () => {
        assert.deepEqual(fit("h(x)", "f(g(", "))"), { text: "h(x)", overwriteChars: 0, insertOnly: "h(x)" });
        assert.deepEqual(fit("a).bar(b", "x = foo(", ")"), { text: "a).bar(b", overwriteChars: 0, insertOnly: "a).bar(b" });
        // A closer that is not the auto-closed partner of what the line opened left of the cursor.
        assert.deepEqual(fit("x", "a[i] = (", "];"), { text: "x", overwriteChars: 0, insertOnly: "x" });
    });

    it("prefers the completion's own closers when the suffix's copy would land in a comment (ajv names.ts:15)", () => {
        const result = fit("errors\"), // counter of validation errors", "  errors: new Name(\"", "\")");
        assert.equal(result.overwriteChars, 2);
    });

    it("drops a re-typed rest of the line, and only that", () => {
        assert.equal(fit("x;", "return ", ";").text, "x");
        assert.equal(fit("x > 0) {", "if (", ") {").text, "x > 0");
        assert.equal(fit("else if (", "  } ", "if (x) {").text, "else ");
        // `for (;;)`: the completion's `;` is not a re-typed `;)`.
        assert.equal(fit(";", "for (", ";)").text, ";");
    });

    it("keeps a closer that closes a bracket opened on a line above", () => {
        const context = { previousLines: ["    if (cmp(this.semver, '>', comp.semver, options) &&"], nextLines: ["      return true", "    }"], languageId: "javascript" };
        assert.equal(fit(")", "      this.operator.startsWith('<') && comp.operator.startsWith('>'", ") {", context).text, ")");
        // With no lines above, the same `)` re-types the suffix.
        assert.equal(fit(")", "      this.operator.startsWith('<') && comp.operator.startsWith('>')", ") {", { nextLines: ["      return true"] }).text, "");
    });

    it("keeps a multi-line call open for the next lines when the model re-types the whole suffix (cheerio traversing.ts)", () => {
        const context = { nextLines: ["          /*", "           * We trim replace any line endings"] };
        assert.equal(fit("(val) =>) =>", "        return value.map(", ") =>", context).text, "(val) =>");
    });
});
