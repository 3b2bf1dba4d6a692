import * as assert from "node:assert/strict";
import { SeededRandom } from "../../../src/fixtures/SeededRandom";
import { cutFimCases, detectIndentUnit, middleEnd } from "../../../src/quality/cutFimCases";

const go = [
    "func (p *Proxy) Run() error {",
    "\tif err != nil {",
    "\t\tc.Close()",
    "\t\treturn nil",
    "\t} else {",
    "\t\tsyscall.Unlink(path)",
    "\t}",
    "\treturn p.serve()",
    "}"
].join("\n");

describe("cutting FIM cases", () => {
    it("detects the indentation unit", () => {
        assert.equal(detectIndentUnit(go.split("\n")), "\t");
        assert.equal(detectIndentUnit(["def f():", "    if x:", "        return 1", "    return 2"]), "    ");
        assert.equal(detectIndentUnit(["function f() {", "  if (x) {", "    return 1;", "  }", "}"]), "  ");
    });

    it("ends a middle where a completion of one block ends", () => {
        const lines = go.split("\n");
        // From `c.Close()`: on past `} else {`, through the closing `}`.
        assert.equal(middleEnd(lines, 2, 7), 6);
        assert.equal(middleEnd(lines, 2, 1), 3);
        // From `return p.serve()`: the function's `}` closes it.
        assert.equal(middleEnd(lines, 7, 7), 8);
        // A statement after a nested block ends the middle before it.
        assert.equal(middleEnd(["if (x) {", "  a();", "}", "b();"], 0, 7), 2);
    });

    it("cuts the same cases from the same text and seed, each one rebuilding the file's lines", () => {
        const file = { language: "go" as const, source: "test", text: go };
        const first = cutFimCases(file, 5, new SeededRandom("t"), "go");
        assert.deepEqual(cutFimCases(file, 5, new SeededRandom("t"), "go"), first);
        assert.ok(first.length > 0);
        const lines = go.split("\n");
        for (const c of first) {
            const rebuilt = [...c.previousLines, ...(c.linePrefix + c.middle + c.lineSuffix).split("\n"), ...c.nextLines];
            const start = c.line - 1 - c.previousLines.length;
            assert.deepEqual(rebuilt.map((line) => line.trimEnd()), lines.slice(start, start + rebuilt.length).map((line) => line.trimEnd()), c.id);
            assert.match(c.middle, /\S/);
            if (c.kind === "autoClosed")
                assert.ok(c.middle.includes(c.autoClosed!), c.id);
        }
    });

    it("skips generated files with very long lines", () => {
        const file = { language: "javascript" as const, source: "test", text: "var a=1;".repeat(100) };
        assert.deepEqual(cutFimCases(file, 5, new SeededRandom("t"), "js"), []);
    });
});
