import * as assert from "node:assert/strict";
import { BracketScanner, openAfter, spansLines, syntaxFor, type CodeSyntax, type OpenFrame } from "../../../../src/completion/cleaning/BracketScanner";

/** Closers that close nothing plus what is left open, not counting docstrings and block comments. */
function imbalance(text: string, syntax: CodeSyntax, above: readonly OpenFrame[] = []): number {
    const scanner = new BracketScanner(syntax, above).feed(text);
    return scanner.unmatched + scanner.stack.filter((frame) => !spansLines(frame)).length;
}

describe("BracketScanner", () => {
    const js = syntaxFor("typescript");
    const python = syntaxFor("python");
    const go = syntaxFor("go");

    it("matches brackets and counts the ones that close nothing", () => {
        assert.equal(imbalance("foo(a, [b], {c: 1})", js), 0);
        assert.equal(imbalance("foo(a, b);)", js), 1);
        assert.equal(imbalance("foo(a, b", js), 1);
        assert.equal(imbalance("foo(a]", js), 2);
    });

    it("skips brackets and quotes inside a regex literal, not after a division", () => {
        // src/completion/cleaning/blockScope.ts: `/^[)\]}]/.test(trimmed)`
        assert.equal(imbalance("if (/^[)\\]}\"]/.test(trimmed)) {}", js), 0);
        assert.equal(imbalance("const half = (a + b) / 2; const q = (c) / (d)", js), 0);
        assert.equal(imbalance("return /\\(/.test(s)", js), 0);
    });

    it("skips comments: `//` in C-like languages, `#` in Python", () => {
        assert.equal(imbalance("foo(x) // note (see below", js), 0);
        assert.equal(imbalance("foo(x)  # note (see below", python), 0);
        assert.equal(imbalance("/* ( */ foo()", js), 0);
        // `#` is no comment in JavaScript (private fields), `//` none in Python (floor division).
        assert.equal(imbalance("x = (a // 2)", python), 0);
    });

    it("reads Python's triple quotes as one delimiter (posixpath.py isabs)", () => {
        assert.equal(imbalance("    \"\"\"Test whether a path is absolute\"\"\"", python), 0);
        // A docstring a line opens and leaves open is not held against the line.
        assert.equal(imbalance("    \"\"\"Return the canonical path", python), 0);
        assert.equal(imbalance("s = 'it''s'", python), 0);
    });

    it("treats template literal interpolations as code and Go's backticks as raw strings", () => {
        assert.equal(imbalance("_`${data}.length ${op} ${schemaCode}`", js), 0);
        assert.equal(imbalance("str`must NOT have ${comp} than ${schemaCode} items`", js), 0);
        assert.equal(imbalance("re := `\\d+(`", go), 0);
    });

    it("ends single-line strings at a line break and carries docstrings and comments over", () => {
        assert.deepEqual(openAfter(["x = \"unterminated"], js), []);
        assert.deepEqual(openAfter(["def f():", "    \"\"\"Doc"], python).map((frame) => frame.closer), ["\"\"\""]);
        assert.deepEqual(openAfter(["/**", " * text ("], js).map((frame) => frame.kind), ["blockComment"]);
        assert.deepEqual(openAfter(["foo(a,", "    bar(b,"], js).map((frame) => frame.closer), [")", ")"]);
    });

    it("starts from what the lines above opened", () => {
        const above = openAfter(["foo(bar(a,"], js);
        assert.equal(imbalance("    b))", js, above), 0);
        assert.equal(imbalance("    b)", js, above), 1);
        assert.equal(imbalance("    b)))", js, above), 1);
        assert.equal(imbalance("    b))", js), 2);
    });

    it("reports where each frame open before the scan closes", () => {
        const scanner = new BracketScanner(js).feed("  message({");
        const closes: Array<[number, number]> = [];
        scanner.feed("keyword, schemaCode}) {", (index, depth) => closes.push([index, depth]));
        assert.deepEqual(closes, [[19, 1], [20, 0]]);
    });

    it("quotes only with unknown languages, as before", () => {
        const plain = syntaxFor(undefined);
        assert.equal(imbalance("print(\"a)\")", plain), 0);
        assert.equal(imbalance("a // (", plain), 1);
    });
});
