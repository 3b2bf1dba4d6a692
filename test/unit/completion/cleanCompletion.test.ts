import * as assert from "node:assert/strict";
import { cleanCompletion, cleanCompletionEdit, firstLineSettled, stripSpecialTokens, type CleanCompletionInput } from "../../../src/completion/cleanCompletion";

function clean(raw: string, context: Partial<Omit<CleanCompletionInput, "raw">> = {}): string {
    return cleanCompletion({ raw, linePrefix: "", lineSuffix: "", nextLines: [], eol: "\n", maxLines: 20, ...context });
}

function edit(raw: string, context: Partial<Omit<CleanCompletionInput, "raw">> = {}): { text: string; overwriteChars: number } {
    return cleanCompletionEdit({ raw, linePrefix: "", lineSuffix: "", nextLines: [], eol: "\n", maxLines: 20, ...context });
}

/** The cursor line as the user gets it after accepting `result` of an edit. */
function accepted(context: { linePrefix: string; lineSuffix: string }, result: { text: string; overwriteChars: number }): string {
    return context.linePrefix + result.text + context.lineSuffix.slice(result.overwriteChars);
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
        "<｜fim▁hole｜>"
    ];

    for (const token of leaked)
        it(`ends the text at ${token}`, () => {
            assert.equal(stripSpecialTokens(`return x;${token}garbage`), "return x;");
        });

    it("drops tokens at the very start and keeps the text after them", () => {
        assert.equal(stripSpecialTokens("<|fim_middle|><fim_middle>foo()"), "foo()");
        assert.equal(stripSpecialTokens("<|endoftext|>"), "");
    });

    it("leaves code that only looks similar alone", () => {
        for (const code of ["f <| x |> g", "a <|> b", "<s>struck</S>", "x < y && y > z", "List<String>", "<filename>"])
            assert.equal(stripSpecialTokens(code), code);
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
                nextLines: ["", "  const b = 2;  ", "const c = 3;"]
            });
            assert.equal(result, "const a = 1;");
        });

        it("returns nothing when the completion re-types the next line", () => {
            assert.equal(clean("urn x;", { linePrefix: "    ret", nextLines: ["    return x;"] }), "");
        });

        it("does not compare the cursor line's existing text with the next line", () => {
            assert.equal(clean("\nx++;", { linePrefix: "y++;", nextLines: ["x++;"] }), "");
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
        it("stops at a line dedented below the cursor's block, keeping it when it closes the block", () => {
            assert.equal(clean("return x;\n}\n\nfunction g() {}", { linePrefix: "    ", nextLines: [] }), "return x;\n}");
            assert.equal(clean("return x;\n}\n\nfunction g() {}", { linePrefix: "    ", nextLines: ["}"] }), "return x;");
            assert.equal(clean("return x;\nlet y = 2;", { linePrefix: "    ", nextLines: [] }), "return x;");
        });

        it("uses the completion's own indentation on a line left at column 0", () => {
            assert.equal(clean("    return x;\n}\n", { linePrefix: "", nextLines: ["}"] }), "    return x;");
            assert.equal(clean("    return x;\nfoo();\n", { linePrefix: "", nextLines: [] }), "    return x;");
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

// Issue 12: each rule below broke correct completions before. The cases are real code; the source
// is named, most of them come from the quality harness's sample (src/quality/fimCases.json).
describe("cleanCompletion never breaks a correct completion (issue 12)", () => {
    describe("whitespace before code right of the cursor", () => {
        it("keeps the space a mid-line completion ends with (golang strings/replace.go:197, getopt.py:205)", () => {
            assert.equal(clean("else ", { linePrefix: "\t\t} ", lineSuffix: "{", languageId: "go" }), "else ");
            assert.equal(clean("return ", { linePrefix: "    ", lineSuffix: "opts, args", languageId: "python" }), "return ");
            assert.equal(clean("yield ", { linePrefix: "        ", lineSuffix: "_encoder(o, _current_indent_level)", languageId: "python" }), "yield ");
        });

        it("still drops it before a space, and at the end of a line", () => {
            assert.equal(clean("x ", { linePrefix: "a = ", lineSuffix: " + 1" }), "x");
            assert.equal(clean("return x; ", { linePrefix: "    " }), "return x;");
        });
    });

    describe("characters the editor auto-closed", () => {
        it("replaces the `)` of `foo(` when the model writes through it, `;` included (issue: `…, startTime);)`)", () => {
            const context = { linePrefix: "        this.emit('done', ", lineSuffix: ")", languageId: "javascript" };
            const result = edit("count, startTime);", context);
            assert.deepEqual(result, { text: "count, startTime);", overwriteChars: 1 });
            assert.equal(accepted(context, result), "        this.emit('done', count, startTime);");
        });

        it("replaces an auto-closed quote the model closed itself (issue: `\"ZodFunction\",\"`, ajv lib/compile/names.ts:19)", () => {
            const zod = { linePrefix: "    typeName: \"", lineSuffix: "\"", languageId: "typescript" };
            assert.equal(accepted(zod, edit("ZodFunction\",", zod)), "    typeName: \"ZodFunction\",");
            const ajv = { linePrefix: "  scope: new Name(\"", lineSuffix: "\")", languageId: "typescript" };
            assert.deepEqual(edit("scope\"),", ajv), { text: "scope\"),", overwriteChars: 2 });
        });

        it("replaces `})` after `({` and keeps the block the line opens (ajv limitProperties.ts:6)", () => {
            const context = { linePrefix: "  message({", lineSuffix: "})", languageId: "typescript" };
            assert.equal(accepted(context, edit("keyword, schemaCode}) {", context)), "  message({keyword, schemaCode}) {");
        });

        it("keeps the call's arguments open for the next lines (cheerio load-parse.ts:12)", () => {
            const context = { linePrefix: "    : parseWithParse5(", lineSuffix: ")", languageId: "typescript" };
            assert.deepEqual(edit("content, options, isDocument, context),", context), { text: "content, options, isDocument, context),", overwriteChars: 1 });
        });

        it("replaces nothing when the model leaves the auto-closed character to close its text", () => {
            assert.deepEqual(edit("a, b", { linePrefix: "foo(", lineSuffix: ")" }), { text: "a, b", overwriteChars: 0 });
            // `x = foo(|)` + `a).bar(b`: the suffix's `)` closes `bar(`.
            assert.deepEqual(edit("a).bar(b", { linePrefix: "x = foo(", lineSuffix: ")" }), { text: "a).bar(b", overwriteChars: 0 });
        });

        it("gives an insert-only caller the text up to the model's own closer, never a doubled one", () => {
            assert.equal(clean("count, startTime);", { linePrefix: "        this.emit('done', ", lineSuffix: ")" }), "count, startTime");
            assert.equal(clean("keyword, schemaCode}) {", { linePrefix: "  message({", lineSuffix: "})" }), "keyword, schemaCode");
        });

        it("replaces a docstring's auto-closed `\"\"\"` (posixpath.py isabs)", () => {
            const context = { linePrefix: "    \"\"\"Test whether a path ", lineSuffix: "\"\"\"", languageId: "python" };
            assert.equal(accepted(context, edit("is absolute\"\"\"", context)), "    \"\"\"Test whether a path is absolute\"\"\"");
            assert.equal(accepted(context, edit("is absolute.\"\"\"  # why", context)), "    \"\"\"Test whether a path is absolute.\"\"\"  # why");
        });

        it("is not fooled by brackets and quotes inside a regex literal", () => {
            const context = { linePrefix: "    if (/^[)\\]}\"]/.test(", lineSuffix: ")", languageId: "typescript" };
            assert.equal(accepted(context, edit("trimmed)) {", context)), "    if (/^[)\\]}\"]/.test(trimmed)) {");
        });

        it("leaves the characters alone inside a block comment (zlib gun.c:9)", () => {
            const context = { linePrefix: "                     Remove use of \"", lineSuffix: "\"", languageId: "c", previousLines: ["/* Version history:"] };
            assert.deepEqual(edit("this", context), { text: "this", overwriteChars: 0 });
        });
    });

    describe("brackets across lines", () => {
        it("keeps a `)` that closes a call opened on the line above (semver classes/comparator.js:118)", () => {
            const context = {
                linePrefix: "      this.operator.startsWith('<') && comp.operator.startsWith('>'",
                lineSuffix: ") {",
                previousLines: ["    if (cmp(this.semver, '>', comp.semver, options) &&"],
                nextLines: ["      return true", "    }"],
                languageId: "javascript"
            };
            assert.equal(clean(")", context), ")");
        });

        it("still drops a re-typed closer the line already has", () => {
            assert.equal(clean("a, b)", { linePrefix: "foo(", lineSuffix: ")", nextLines: ["bar();"] }), "a, b");
        });
    });

    describe("closing lines of the block", () => {
        it("keeps the block's closing line when the document does not have it (ajv boolSchema.ts:19)", () => {
            const result = clean("\n  }", {
                linePrefix: "    gen.return(true)",
                previousLines: ["  } else {", "    gen.assign(_`${validateName}.errors`, null)"],
                nextLines: ["}", "", "export function boolOrEmptySchema(it: SchemaCxt, valid: Name): void {"]
            });
            assert.equal(result, "\n  }");
        });

        it("keeps `};` (mocha lib/test.js:82)", () => {
            assert.equal(clean(";\n};", { linePrefix: "  return test", nextLines: ["", "/**"] }), ";\n};");
        });

        it("goes on past `} else {` and ends with the closing line (golang strings/replace.go:212)", () => {
            const raw = "\n\t\tt.table[m].add(key[1:], val, priority, r)\n\t} else {\n\t\tt.prefix = key\n\t}\n\nfunc (r *genericReplacer) lookup() {";
            assert.equal(clean(raw, { linePrefix: "\t\t}", nextLines: ["}", ""] }), "\n\t\tt.table[m].add(key[1:], val, priority, r)\n\t} else {\n\t\tt.prefix = key\n\t}");
        });

        it("keeps `except`, `else` and `elif` (sitecustomize.py:3, _parseaddr.py:504)", () => {
            assert.equal(clean("\nexcept ImportError:\n    pass\nelse:\n    apport_python_hook.install()", { linePrefix: "    import apport_python_hook", nextLines: [""] }),
                "\nexcept ImportError:\n    pass\nelse:\n    apport_python_hook.install()");
            assert.equal(clean("nd(self.getcomment())\n            elif self.field[self.pos] in self.phraseends:\n                break",
                { linePrefix: "                self.commentlist.appe", nextLines: ["            else:"] }),
            "nd(self.getcomment())\n            elif self.field[self.pos] in self.phraseends:\n                break");
        });

        it("does not add a closing line the document already has, or one inside the document's block", () => {
            assert.equal(clean("\n  }", { linePrefix: "    gen.return(true)", nextLines: ["  }"] }), "");
            assert.equal(clean("a();\n}", { linePrefix: "    ", nextLines: ["    b();", "}"] }), "a();");
            assert.equal(clean("a();\n}", { linePrefix: "    ", nextLines: ["} else {"] }), "a();");
        });

        it("ends a completion that writes the closing line on the cursor line (ajv lib/2020.ts:37)", () => {
            assert.equal(clean("}\n  defaultMeta(): string {\n    return 1", { linePrefix: "  ", nextLines: ["}"] }), "}");
        });

        it("ends after a line that opens a brace block when the next line is not inside it", () => {
            assert.equal(clean("): boolean {\nexport function other(): void {", { linePrefix: "", nextLines: ["  return true"] }), "): boolean {");
        });
    });

    describe("a first line equal to the document's next line", () => {
        it("is kept when the line above is the same line too: the code repeats it (typescript _tsc.js `void 0,`)", () => {
            const context = { linePrefix: "        ", previousLines: ["      foo(", "        void 0,"], nextLines: ["        void 0,", "        endTime"] };
            assert.equal(clean("void 0,", context), "void 0,");
        });

        it("is kept when the completion goes on differently from the document (xdrlib.py:62)", () => {
            const raw = "\n\n    @raise_conversion_error\n    def pack_uint(self, x):\n        self.__buf.write(struct.pack('>L', x))";
            const context = { linePrefix: "    get_buf = get_buffer", nextLines: ["", "    @raise_conversion_error", "    def pack_int(self, x):"] };
            assert.equal(clean(raw, context), raw);
        });

        it("is an echo when the completion re-types the next lines", () => {
            const context = { linePrefix: "    ", previousLines: ["    a();"], nextLines: ["    return x;", "}"] };
            assert.equal(clean("return x;\n}", context), "");
            assert.equal(clean("return x;", context), "");
        });
    });

    describe("runaway lines", () => {
        it("cuts degenerate repetition after one copy (the README demo's `* the the the …`)", () => {
            assert.equal(clean(" * Returns the" + " the".repeat(40), { linePrefix: "  " }), " * Returns the");
            assert.equal(clean("def" + " def".repeat(30), { linePrefix: "export default " }), "def");
        });

        it("keeps one whole word of a repetition whose run starts mid-word (semver ranges/ltr.js:4)", () => {
            const raw = "// Determine if version is less than all the versions possible in the range" + " range".repeat(30);
            assert.equal(clean(raw), "// Determine if version is less than all the versions possible in the range");
        });

        it("ends the completion at a cut line", () => {
            assert.equal(clean("x = 1\n// Return the" + " the".repeat(40) + "\ny = 2"), "x = 1\n// Return the");
        });

        it("caps a line's length at a space", () => {
            const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(" ");
            const result = clean(words);
            assert.ok(result.length <= 240 && result.length > 200, `${result.length} characters`);
            assert.ok(words.startsWith(result) && words[result.length] === " ");
        });

        it("leaves separators and numbers alone", () => {
            for (const line of ["// " + "-".repeat(70), "const zeros = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];", "id = 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'"])
                assert.equal(clean(line), line);
        });
    });

    describe("indentation", () => {
        it("leaves a block comment's space-aligned ` * ` lines in a tab-indented file (git-credential-gnome-keyring.c:35)", () => {
            const raw = "/*\n    * Support ancient gnome-keyring, circ. RHEL 5.X.";
            const context = { linePrefix: "   ", indentUnit: "\t", nextLines: ["    * GNOME_KEYRING_DEFAULT seems to have been introduced with Gnome 2.22,"] };
            assert.equal(clean(raw, context), raw);
        });
    });
});

describe("firstLineSettled (streaming the first line)", () => {
    const settled = (raw: string, context: Partial<Omit<CleanCompletionInput, "raw">> = {}): boolean =>
        firstLineSettled({ raw, linePrefix: "", lineSuffix: "", nextLines: [], eol: "\n", maxLines: 8, ...context });

    it("is false for an ordinary partial line", () => {
        assert.equal(settled("const x = foo(a, b"), false);
        assert.equal(settled(""), false);
    });

    it("is true once repetition or the length cap cut the line, or a special token ended it", () => {
        assert.equal(settled(" * Returns the" + " the".repeat(12)), true);
        assert.equal(settled("x".repeat(20) + " " + "y".repeat(230)), true);
        assert.equal(settled("return x;<|endoftext|>"), true);
        assert.equal(settled("return x;\n"), true);
    });

    it("waits while a special token that would change the text may still be coming", () => {
        assert.equal(settled("<|" + "a".repeat(36)), false);
        assert.equal(settled("<|fim_mid"), false);
    });

    it("gives the result more text cannot change", () => {
        const partial = " * Returns the" + " the".repeat(12);
        const now = edit(partial, { linePrefix: "  " });
        for (const more of [" the the", " and more\nnext();", "<|endoftext|>", "\n  }\n"])
            assert.deepEqual(edit(partial + more, { linePrefix: "  " }), now);
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
