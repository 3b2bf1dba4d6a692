import * as assert from "node:assert/strict";
import { closesBlock, continuesConstruct, limitLines, type BlockContext } from "../../../../src/completion/cleaning/blockScope";

function limit(completion: string, context: Partial<BlockContext>): string {
    return limitLines(completion.split("\n"), { linePrefix: "", previousLines: [], nextLines: [], tabSize: 4, compareCursorLine: true, ...context }).join("\n");
}

describe("limitLines", () => {
    it("classifies closing and continuing lines", () => {
        for (const line of ["} else {", "}, {", "elif x:", "else:", "except ValueError:", "finally:", "} catch (e) {", "case 2:", "default:"])
            assert.equal(continuesConstruct(line), true, line);
        for (const line of ["}", "});", "]", ")", "end", "</div>"])
            assert.equal(closesBlock(line), true, line);
        assert.equal(continuesConstruct("}"), false);
        assert.equal(closesBlock("return x"), false);
    });

    it("keeps the closing line unless the document has one at that level or is still inside the block", () => {
        assert.equal(limit("a();\n}", { linePrefix: "    ", nextLines: ["", "function g() {"] }), "a();\n}");
        assert.equal(limit("a();\n}", { linePrefix: "    ", nextLines: ["}"] }), "a();");
        assert.equal(limit("a();\n}", { linePrefix: "    ", nextLines: ["}, {"] }), "a();");
        assert.equal(limit("a();\n}", { linePrefix: "    ", nextLines: ["    b();"] }), "a();");
    });

    it("continues past a continuing line, up to the block's closing line (git persistent-https main.go)", () => {
        const raw = "err = proxy.Run()\n\t} else {\n\t\tlog.SetPrefix(\"git-remote-persistent-https: \")\n\t}\n\tos.Exit(1)";
        assert.equal(limit(raw, { linePrefix: "\t\t", nextLines: [""] }), "err = proxy.Run()\n\t} else {\n\t\tlog.SetPrefix(\"git-remote-persistent-https: \")\n\t}");
    });

    it("ends after a first line that is itself a closing line", () => {
        assert.equal(limit("};\n\nexports.it.only = function () {", { nextLines: ["exports.it.skip = 1;"] }), "};");
    });

    it("ends when a brace block opened at the cursor's level is followed by a line outside it", () => {
        assert.equal(limit("{\n\n  return function (", { linePrefix: "  ) ", nextLines: ["    return x;"] }), "{\n");
        assert.equal(limit("{\n    return 1;\n  }", { linePrefix: "  ) ", nextLines: [""] }), "{\n    return 1;\n  }");
    });

    it("takes an echo only when the lines after it agree with the document too", () => {
        const next = ["    @raise_conversion_error", "    def pack_int(self, x):"];
        // xdrlib.py:62: the decorator repeats, the function does not.
        assert.equal(limit("\n    @raise_conversion_error\n    def pack_uint(self, x):", { linePrefix: "    get_buf = get_buffer", nextLines: next }), "\n    @raise_conversion_error\n    def pack_uint(self, x):");
        assert.equal(limit("\n    @raise_conversion_error\n    def pack_int(self, x):", { linePrefix: "    get_buf = get_buffer", nextLines: next }), "");
        assert.equal(limit("\n    @raise_conversion_error", { linePrefix: "    get_buf = get_buffer", nextLines: next }), "");
    });

    it("does not take a line that repeats the one above it for an echo, unless it is only brackets", () => {
        assert.equal(limit("void 0,", { linePrefix: "        ", previousLines: ["        void 0,"], nextLines: ["        void 0,"] }), "void 0,");
        assert.equal(limit("    }\n}", { linePrefix: "", previousLines: [], nextLines: ["}"] }), "    }");
    });

    it("keeps one copy of a line repeated three times", () => {
        assert.equal(limit("x();\nx();\nx();\ny();", {}), "x();");
    });
});
