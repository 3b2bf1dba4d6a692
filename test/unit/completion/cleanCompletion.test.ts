import * as assert from "node:assert/strict";
import { cleanCompletion, stripSpecialTokens, type CleanCompletionInput } from "../../../src/completion/cleanCompletion";

function clean(raw: string, context: Partial<Omit<CleanCompletionInput, "raw">> = {}): string {
    return cleanCompletion({ raw, linePrefix: "", lineSuffix: "", nextLines: [], eol: "\n", maxLines: 20, ...context });
}

describe("stripSpecialTokens", () => {
    const leaked = [
        "<|fim_prefix|>",
        "<|fim_suffix|>",
        "<|fim_middle|>",
        "<|endoftext|>",
        "<|im_end|>",
        "<|file_sep|>",
        "<|EOT|>",
        "<fim_middle>",
        "<fim_suffix>",
        "<fim-middle>",
        "<file_sep>",
        "</s>",
        "<EOT>",
        "<｜end▁of▁sentence｜>",
        "<｜fim▁hole｜>",
    ];

    for (const token of leaked) {
        it(`ends the text at ${token}`, () => {
            assert.equal(stripSpecialTokens(`return x;${token}garbage`), "return x;");
        });
    }

    it("drops tokens at the very start and keeps the text after them", () => {
        assert.equal(stripSpecialTokens("<|fim_middle|><fim_middle>foo()"), "foo()");
        assert.equal(stripSpecialTokens("<|endoftext|>"), "");
    });

    it("leaves code that only looks similar alone", () => {
        for (const code of ["f <| x |> g", "a <|> b", "<s>struck</S>", "x < y && y > z", "List<String>", "<filename>"]) {
            assert.equal(stripSpecialTokens(code), code);
        }
    });
});

describe("cleanCompletion", () => {
    describe("basics", () => {
        it("returns plain text unchanged", () => {
            assert.equal(clean("foo(bar);"), "foo(bar);");
        });

        it("returns empty for empty, blank or token-only output", () => {
            assert.equal(clean(""), "");
            assert.equal(clean("   \n\t\n"), "");
            assert.equal(clean("<|endoftext|>"), "");
            assert.equal(clean("<|im_end|>\n"), "");
        });

        it("cleans leaked tokens inside the pipeline", () => {
            assert.equal(clean("x = 1<|im_end|>\ny = 2"), "x = 1");
        });

        it("trims trailing whitespace on every line and trailing blank lines", () => {
            assert.equal(clean("a  \n  b\t\n\n\n"), "a\n  b");
        });

        it("respects maxLines", () => {
            assert.equal(clean("a\nb\nc\nd", { maxLines: 2 }), "a\nb");
            assert.equal(clean("a\nb", { maxLines: 0 }), "a");
            assert.equal(clean("a\nb", { maxLines: Number.NaN }), "a");
            assert.equal(clean("a\nb\nc", { maxLines: Infinity }), "a\nb\nc");
        });
    });

    describe("line breaks", () => {
        it("uses the document's CRLF whatever the model wrote", () => {
            assert.equal(clean("a\nb\r\nc", { eol: "\r\n" }), "a\r\nb\r\nc");
        });

        it("uses LF in an LF document even when the model wrote CRLF", () => {
            const result = clean("a\r\nb\r\n", { eol: "\n" });
            assert.equal(result, "a\nb");
            assert.ok(!result.includes("\r"));
        });
    });

    describe("mid-line (text right of the cursor)", () => {
        it("keeps only the first line", () => {
            assert.equal(clean("a, b\nmore();", { linePrefix: "foo(", lineSuffix: ")" }), "a, b");
            assert.equal(clean("\nmore();", { linePrefix: "foo(", lineSuffix: ")" }), "");
        });

        it("treats a whitespace-only rest of line as end of line", () => {
            assert.equal(clean("a\nb", { lineSuffix: "   " }), "a\nb");
        });

        it("removes closing brackets the line already has", () => {
            assert.equal(clean("a, b)", { linePrefix: "foo(", lineSuffix: ")" }), "a, b");
            assert.equal(clean("a, b);", { linePrefix: "foo(", lineSuffix: ");" }), "a, b");
            assert.equal(clean(", 3]", { linePrefix: "const xs = [1, 2", lineSuffix: "]" }), ", 3");
            assert.equal(clean("x > 0) {", { linePrefix: "if (", lineSuffix: ") {" }), "x > 0");
        });

        it("keeps brackets the completion needs for itself", () => {
            assert.equal(clean("bar()", { linePrefix: "foo(", lineSuffix: ")" }), "bar()");
            assert.equal(clean("[0]", { linePrefix: "f(xs", lineSuffix: ")" }), "[0]");
        });

        it("removes a closing quote the line already has", () => {
            assert.equal(clean('hello")', { linePrefix: 'print("', lineSuffix: '")' }), "hello");
            assert.equal(clean("it'", { linePrefix: "s = '", lineSuffix: "'" }), "it");
        });

        it("removes a re-typed rest of line even without brackets", () => {
            assert.equal(clean("x;", { linePrefix: "return ", lineSuffix: ";" }), "x");
            assert.equal(clean("total + 1; // sum", { linePrefix: "let y = ", lineSuffix: " + 1; // sum" }), "total");
        });

        it("leaves a completion that does not overlap the rest of the line", () => {
            assert.equal(clean("count", { linePrefix: "x = ", lineSuffix: " * 2" }), "count");
        });

        it("keeps astral characters and combining marks whole", () => {
            assert.equal(clean('😀")', { linePrefix: 's = "', lineSuffix: '")' }), "😀");
            assert.equal(clean('e\u0301")', { linePrefix: 's = "caf', lineSuffix: '")' }), "e\u0301");
        });
    });

    describe("duplicates of the document's next lines", () => {
        it("stops before the first line that equals the next non-empty line", () => {
            const result = clean("const a = 1;\nconst b = 2;\nconst c = 3;", {
                linePrefix: "",
                nextLines: ["", "  const b = 2;  ", "const c = 3;"],
            });
            assert.equal(result, "const a = 1;");
        });

        it("returns nothing when the completion re-types the next line", () => {
            assert.equal(clean("urn x;", { linePrefix: "    ret", nextLines: ["    return x;"] }), "");
        });

        it("does not compare the cursor line's existing text with the next line", () => {
            assert.equal(clean("\nx++;", { linePrefix: "x++;", nextLines: ["x++;"] }), "");
            assert.equal(clean("\ny++;", { linePrefix: "x++;", nextLines: ["x++;"] }), "\ny++;");
        });

        it("cuts a closing brace the document already has at the same indentation", () => {
            const result = clean("\n    return 1;\n}", { linePrefix: "function f() {", nextLines: ["}"] });
            assert.equal(result, "\n    return 1;");
        });

        it("keeps a closing brace at a different indentation (it closes the completion's own block)", () => {
            const result = clean("foo() {\n    return 1;\n  }", { linePrefix: "  ", nextLines: ["}"] });
            assert.equal(result, "foo() {\n    return 1;\n  }");
        });
    });

    describe("end of block by indentation", () => {
        it("stops at a line dedented below the cursor's block", () => {
            const result = clean("return x;\n}\n\nfunction g() {}", { linePrefix: "    ", nextLines: [] });
            assert.equal(result, "return x;");
        });

        it("uses the completion's own indentation on a line left at column 0", () => {
            const result = clean("    return x;\n}\n", { linePrefix: "", nextLines: [] });
            assert.equal(result, "    return x;");
        });

        it("ends a block the cursor line opens after its closing line", () => {
            const result = clean("\n    return 1;\n}\n\nfunction g() {\n}", { linePrefix: "function f() {", nextLines: [] });
            assert.equal(result, "\n    return 1;\n}");
        });

        it("ends a Python block at the next statement of the outer level", () => {
            const result = clean("\n    return 1\n\ndef g():\n    pass", { linePrefix: "def f():", nextLines: [] });
            assert.equal(result, "\n    return 1");
        });

        it("lets `} else {` and `else:` continue the block", () => {
            const js = clean("if (x) {\n    a();\n} else {\n    b();\n}\nc();", { linePrefix: "", nextLines: [] });
            assert.equal(js, "if (x) {\n    a();\n} else {\n    b();\n}");
            const py = clean("if x:\n    a()\nelse:\n    b()\nc()", { linePrefix: "", nextLines: [] });
            assert.equal(py, "if x:\n    a()\nelse:\n    b()");
        });

        it("keeps sibling statements at the cursor's level", () => {
            assert.equal(clean("a();\n  b();\n  c();", { linePrefix: "  " }), "a();\n  b();\n  c();");
        });

        it("closes a multi-line call the completion opened", () => {
            const result = clean("\n    a,\n    b,\n);\nnext();", { linePrefix: "call(" });
            assert.equal(result, "\n    a,\n    b,\n);");
        });

        it("compares tab and space indentation by width", () => {
            const result = clean("a();\n\tb();\nc();", { linePrefix: "\t", tabSize: 4 });
            assert.equal(result, "a();\n\tb();");
            // Two tabs (8 columns) are deeper than four spaces.
            assert.equal(clean("a();\n\t\tb();", { linePrefix: "    " }), "a();\n\t\tb();");
        });
    });

    describe("indentation unit", () => {
        it("converts the model's spaces to the document's tabs", () => {
            const result = clean("\n    a();\n        b();", { linePrefix: "{", indentUnit: "\t", tabSize: 4 });
            assert.equal(result, "\n\ta();\n\t\tb();");
        });

        it("converts the model's tabs to the document's spaces", () => {
            const result = clean("\n\ta();\n\t\tb();", { linePrefix: "{", indentUnit: "  " });
            assert.equal(result, "\n  a();\n    b();");
        });

        it("leaves the first line alone: it continues the cursor line", () => {
            assert.equal(clean("    x", { linePrefix: "a =", indentUnit: "\t" }), "    x");
        });
    });

    describe("repetition", () => {
        it("keeps one copy of a line repeated three or more times in a row", () => {
            assert.equal(clean("x();\nx();\nx();\nx();\ny();", { linePrefix: "" }), "x();");
            assert.equal(clean("a\nx();\n\nx();\n  x();", { linePrefix: "" }), "a\nx();");
        });

        it("allows a line twice", () => {
            assert.equal(clean("i++;\ni++;\nj++;"), "i++;\ni++;\nj++;");
        });
    });

    describe("broken characters", () => {
        it("drops a lone high surrogate or a replacement character at the end", () => {
            assert.equal(clean("ok \uD83D"), "ok");
            assert.equal(clean("ok\uFFFD"), "ok");
            assert.equal(clean("ok 😀"), "ok 😀");
        });

        it("drops a lone low surrogate at the start", () => {
            assert.equal(clean("\uDE00ok"), "ok");
        });
    });
});

describe("cleanCompletion on minified code", () => {
    it("cleans next to a 5 MB line in well under 50 ms", () => {
        // Flattened up front, as the editor's text is: concatenation builds a rope V8 copies on first use.
        const flat = (text: string): string => Buffer.from(text, "utf16le").toString("utf16le");
        const line = flat("f(a[0]);".repeat((5 * 1024 * 1024) / 8));
        const linePrefix = flat(line + "g(");
        const lineSuffix = flat(")" + line);
        let best = Infinity;
        for (let run = 0; run < 3; run++) {
            const started = performance.now();
            const midLine = cleanCompletion({ raw: "x)", linePrefix, lineSuffix, nextLines: [line], eol: "\n", maxLines: 5 });
            const endOfLine = cleanCompletion({ raw: "x;\ny;", linePrefix: line, lineSuffix: "", nextLines: [line, line], eol: "\n", maxLines: 5 });
            best = Math.min(best, performance.now() - started);
            assert.equal(midLine, "x");
            assert.equal(endOfLine, "x;\ny;");
        }
        assert.ok(best < 50, `took ${best.toFixed(1)} ms`);
    });
});
