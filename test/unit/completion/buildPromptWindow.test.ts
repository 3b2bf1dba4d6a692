import * as assert from "node:assert/strict";
import {
    buildPromptWindow,
    CHARS_PER_TOKEN_ESTIMATE,
    tokensToChars,
    type PromptWindowInput
} from "../../../src/completion/buildPromptWindow";
import { splitsCharacter, splitsPair } from "../../../src/completion/textBoundaries";

function window(text: string, offset: number, maxPrefixChars = 1000, maxSuffixChars = 1000, extra: Partial<PromptWindowInput> = {}) {
    return buildPromptWindow({ text, offset, maxPrefixChars, maxSuffixChars, maxExtraContextChars: 0, ...extra });
}

function lines(count: number, eol = "\n"): string {
    return Array.from({ length: count }, (_, i) => `line ${i} ${"x".repeat(i % 7)}`).join(eol);
}

describe("tokensToChars", () => {
    it("multiplies by the conservative estimate", () => {
        assert.equal(CHARS_PER_TOKEN_ESTIMATE, 3);
        assert.equal(tokensToChars(100), 300);
        assert.equal(tokensToChars(10, 4.5), 45);
        assert.equal(tokensToChars(3.5), 10);
    });

    it("gives 0 for empty, negative or invalid budgets", () => {
        assert.equal(tokensToChars(0), 0);
        assert.equal(tokensToChars(-5), 0);
        assert.equal(tokensToChars(Number.NaN), 0);
        assert.equal(tokensToChars(Infinity), 0);
        assert.equal(tokensToChars(10, 0), 0);
    });
});

describe("buildPromptWindow", () => {
    it("handles an empty file", () => {
        const result = window("", 0);
        assert.deepEqual(
            { prefix: result.prefix, suffix: result.suffix, extraContext: result.extraContext },
            { prefix: "", suffix: "", extraContext: "" }
        );
        assert.equal(result.prefixStart, 0);
        assert.equal(result.suffixEnd, 0);
    });

    it("keeps a small file whole", () => {
        const text = "const a = 1;\nconst b = 2;\n";
        const result = window(text, 19);
        assert.equal(result.prefix, "const a = 1;\nconst ");
        assert.equal(result.suffix, "b = 2;\n");
    });

    it("handles the cursor at 0 and at the end, and clamps out-of-range offsets", () => {
        const text = lines(50);
        assert.equal(window(text, 0, 100, 100).prefix, "");
        assert.ok(text.startsWith(window(text, 0, 100, 100).suffix));
        assert.equal(window(text, text.length, 100, 100).suffix, "");
        assert.ok(text.endsWith(window(text, text.length, 100, 100).prefix));
        assert.equal(window(text, -10).prefix, "");
        assert.equal(window(text, text.length + 10).suffix, "");
    });

    it("cuts the prefix at a line start and keeps the cursor line whole", () => {
        const text = lines(200);
        const offset = text.indexOf("line 150") + 4;
        const result = window(text, offset, 120, 120);
        assert.ok(result.prefix.length <= 120);
        assert.ok(result.prefix.length > 60, "uses most of the budget");
        assert.equal(text[result.prefixStart - 1], "\n");
        assert.ok(result.prefix.endsWith("\nline"), "the cursor line from its start");
        assert.equal(result.prefix, text.slice(result.prefixStart, offset));
    });

    it("cuts the suffix after a whole line", () => {
        const text = lines(200);
        const offset = text.indexOf("line 50");
        const result = window(text, offset, 120, 120);
        assert.ok(result.suffix.length <= 120 && result.suffix.length > 60);
        assert.ok(result.suffix.endsWith("\n"));
        assert.equal(result.suffix, text.slice(offset, result.suffixEnd));
    });

    it("cuts a cursor line longer than the budget mid-line", () => {
        const text = "a".repeat(500) + "\n" + "b".repeat(500);
        const result = window(text, 250, 100, 100);
        assert.ok(result.prefix.length <= 100 && result.prefix.length >= 90);
        assert.ok(result.suffix.length <= 100 && result.suffix.length >= 90);
        assert.match(result.prefix, /^a+$/);
        assert.match(result.suffix, /^a+$/);
    });

    it("never splits a CRLF at either cut", () => {
        const text = lines(300, "\r\n");
        for (let offset = 0; offset <= text.length; offset += 7)
            for (const budget of [0, 1, 13, 64, 101]) {
                const result = window(text, offset, budget, budget);
                assert.ok(!splitsPair(text, result.prefixStart), `prefix at ${offset}/${budget}`);
                assert.ok(!splitsPair(text, result.suffixEnd), `suffix at ${offset}/${budget}`);
                assert.ok(!result.prefix.startsWith("\n") || result.prefixStart === 0 || text[result.prefixStart - 1] !== "\r");
                assert.ok(result.prefix.length <= budget && result.suffix.length <= budget);
            }
    });

    it("never splits a surrogate pair or strands a combining mark at the cuts", () => {
        // One long line of astral characters and accented letters, so every cut is mid-line.
        const text = "😀e\u0301𝔸".repeat(400);
        for (let offset = 0; offset <= text.length; offset += 5)
            for (const budget of [1, 2, 3, 17, 50]) {
                const result = window(text, offset, budget, budget);
                // An empty piece may start or end at the cursor, which the user put there.
                assert.ok(result.prefix === "" || !splitsCharacter(text, result.prefixStart), `prefix at ${offset}/${budget}`);
                assert.ok(result.suffix === "" || !splitsCharacter(text, result.suffixEnd), `suffix at ${offset}/${budget}`);
                assert.ok(result.prefix.length <= budget && result.suffix.length <= budget);
            }
    });

    it("moves an offset inside a surrogate pair or CRLF back so both halves stay together", () => {
        const emoji = window("a😀b", 2);
        assert.equal(emoji.prefix, "a");
        assert.equal(emoji.suffix, "😀b");
        const crlf = window("a\r\nb", 2);
        assert.equal(crlf.prefix, "a");
        assert.equal(crlf.suffix, "\r\nb");
    });

    it("leaves a cursor between a letter and its combining mark where it is, losing nothing", () => {
        const text = "caf" + "e\u0301" + " au lait";
        const result = window(text, 4);
        assert.equal(result.prefix, "cafe");
        assert.equal(result.suffix, "\u0301 au lait");
        assert.equal(result.prefix + result.suffix, text);
    });

    it("keeps the prompt head stable while the user types", () => {
        // A long single line, the worst case: without snapping the start would move on every key.
        let text = "x".repeat(10_000);
        const starts = new Set<number>();
        for (let typed = 0; typed < 20; typed++) {
            text += "y";
            starts.add(window(text, text.length, 1600, 0).prefixStart);
        }
        assert.ok(starts.size <= 2, `start moved ${starts.size} times in 20 keystrokes`);

        // Ordinary code: the start stays on the same line boundary.
        let code = lines(500) + "\n";
        const lineStarts = new Set<number>();
        for (let typed = 0; typed < 20; typed++) {
            code += "z";
            lineStarts.add(window(code, code.length, 2000, 0).prefixStart);
        }
        assert.ok(lineStarts.size <= 2);
    });

    it("handles a 5 MB single-line document in well under 50 ms", () => {
        // Flattened up front, as the editor's text is: `repeat` builds a rope that V8 copies on first use.
        const text = Buffer.from("a😀b".repeat((5 * 1024 * 1024) / 4), "utf16le").toString("utf16le");
        assert.ok(text.length >= 5 * 1024 * 1024);
        const offsets = [0, 1, Math.floor(text.length / 2), text.length - 1, text.length];
        // Best of three, so a garbage-collection pause left by earlier tests does not count.
        let best = Infinity;
        for (let run = 0; run < 3; run++) {
            const started = performance.now();
            for (const offset of offsets) {
                const result = window(text, offset, 6000, 2000);
                assert.ok(result.prefix.length <= 6000 && result.suffix.length <= 2000);
                assert.ok(result.prefix.length > 5000 || offset < 6000);
                assert.equal(result.prefix + result.suffix, text.slice(result.prefixStart, result.suffixEnd));
            }
            best = Math.min(best, performance.now() - started);
        }
        assert.ok(best < 50, `took ${best.toFixed(1)} ms for ${offsets.length} windows`);
    });

    describe("extra context", () => {
        const snippets = [
            { path: "src/a.ts", text: "export const a = 1;" },
            { path: "lib/b.py", text: "def b():\n    return 2\n" }
        ];

        it("formats snippets with plain path headers in the given order", () => {
            const result = window("x", 1, 100, 100, { extraContext: snippets, maxExtraContextChars: 1000 });
            assert.equal(result.extraContext, "path: src/a.ts\nexport const a = 1;\npath: lib/b.py\ndef b():\n    return 2\n");
        });

        it("is budgeted separately from the prefix", () => {
            const text = lines(100);
            const without = window(text, text.length, 200, 0);
            const withContext = window(text, text.length, 200, 0, { extraContext: snippets, maxExtraContextChars: 1000 });
            assert.equal(withContext.prefix, without.prefix);
            assert.ok(withContext.extraContext.length > 0);
        });

        it("keeps the newest snippets that fit, whole, in their original order", () => {
            const many = [
                { path: "old.ts", text: "o".repeat(10) },
                { path: "big.ts", text: "b".repeat(500) },
                { path: "mid.ts", text: "m".repeat(10) },
                { path: "new.ts", text: "n".repeat(10) }
            ];
            const result = window("", 0, 0, 0, { extraContext: many, maxExtraContextChars: 72 });
            assert.equal(result.extraContext, `path: old.ts\n${"o".repeat(10)}\npath: mid.ts\n${"m".repeat(10)}\npath: new.ts\n${"n".repeat(10)}\n`);
            assert.ok(result.extraContext.length === 72);
            const tight = window("", 0, 0, 0, { extraContext: many, maxExtraContextChars: 30 });
            assert.equal(tight.extraContext, `path: new.ts\n${"n".repeat(10)}\n`);
            assert.equal(window("", 0, 0, 0, { extraContext: many, maxExtraContextChars: 0 }).extraContext, "");
        });

        it("is identical across keystrokes when the snippets are the same", () => {
            const first = window("abc", 3, 100, 100, { extraContext: snippets, maxExtraContextChars: 1000 });
            const second = window("abcd", 4, 100, 100, { extraContext: snippets, maxExtraContextChars: 1000 });
            assert.equal(first.extraContext, second.extraContext);
        });

        it("cannot forge a header through a path with line breaks", () => {
            const result = window("", 0, 0, 0, { extraContext: [{ path: "a\nb.ts", text: "x" }], maxExtraContextChars: 100 });
            assert.equal(result.extraContext, "path: a b.ts\nx\n");
        });
    });
});
