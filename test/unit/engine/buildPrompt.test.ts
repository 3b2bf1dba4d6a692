import * as assert from "node:assert/strict";
import { buildPrompt, type PromptTokenizer } from "../../../src/engine/buildPrompt";

// One token per UTF-8 byte, like the fixture models; specials above 255.
const tokenizer: PromptTokenizer = {
    tokenize: (text) => [...Buffer.from(text, "utf8")] as never,
    bos: 256 as never,
    shouldPrependBos: true,
    fim: { prefix: 258 as never, suffix: 259 as never, middle: 260 as never, layout: "psm" }
};
const bytes = (text: string) => [...Buffer.from(text, "utf8")];

describe("buildPrompt", () => {
    it("lays out BOS, PRE, extra context, prefix, SUF, suffix, MID", () => {
        const built = buildPrompt(tokenizer, { prefix: "ab", suffix: "c", extraContext: "x", fim: true }, 100);
        assert.deepEqual(built.tokens, [256, 258, ...bytes("x"), ...bytes("ab"), 259, ...bytes("c"), 260]);
        assert.equal(built.fim, true);
    });

    it("puts the prefix last in the SPM layout", () => {
        const built = buildPrompt({ ...tokenizer, fim: { ...tokenizer.fim!, layout: "spm" } }, { prefix: "ab", suffix: "c", extraContext: "x", fim: true }, 100);
        assert.deepEqual(built.tokens, [256, 258, ...bytes("x"), 259, ...bytes("c"), 260, ...bytes("ab")]);
    });

    it("falls back to plain left-to-right prompts without FIM tokens", () => {
        const built = buildPrompt({ ...tokenizer, fim: null }, { prefix: "ab", suffix: "c", extraContext: "", fim: true }, 100);
        assert.deepEqual(built.tokens, [256, ...bytes("ab")]);
        assert.equal(built.fim, false);
    });

    it("never exceeds the budget and keeps the text nearest the cursor", () => {
        const prefix = "p".repeat(5000) + "END";
        const suffix = "BEGIN" + "s".repeat(5000);
        for (const budget of [50, 300, 1000, 4000]) {
            const built = buildPrompt(tokenizer, { prefix, suffix, extraContext: "e".repeat(100), fim: true }, budget);
            assert.ok(built.tokens.length <= budget, `${built.tokens.length} > ${budget}`);
            const text = Buffer.from(built.tokens.filter((token) => token < 256)).toString("latin1");
            assert.ok(text.includes("END"), `budget ${budget} lost the end of the prefix`);
            assert.ok(text.includes("BEGIN"), `budget ${budget} lost the start of the suffix`);
        }
    });

    it("gives the suffix at most a quarter of the budget", () => {
        const built = buildPrompt(tokenizer, { prefix: "a".repeat(1000), suffix: "b".repeat(1000), extraContext: "", fim: true }, 404);
        assert.equal(built.tokens.filter((token) => token === 98).length, 100);
        assert.equal(built.trimmed.suffix, 900);
    });

    it("moves the prefix cut in coarse steps so the prompt head is stable while typing", () => {
        const heads = new Set<string>();
        let text = "x".repeat(3000);
        for (let i = 0; i < 100; i++) {
            text += String.fromCharCode(97 + (i % 26));
            const built = buildPrompt(tokenizer, { prefix: text, suffix: "", extraContext: "", fim: false }, 2000);
            heads.add(built.tokens.slice(0, 50).join(","));
            assert.ok(built.tokens.length <= 2000);
        }
        assert.ok(heads.size <= 2, `${heads.size} different heads in 100 keystrokes`);
    });

    it("drops extra context whole rather than cutting it", () => {
        const built = buildPrompt(tokenizer, { prefix: "a".repeat(90), suffix: "", extraContext: "e".repeat(20), fim: false }, 100);
        assert.equal(built.trimmed.extraContext, 20);
        assert.ok(!built.tokens.includes(101 as never));
    });

    it("puts the middle head after MID in the PSM layout", () => {
        const built = buildPrompt(tokenizer, { prefix: "ab\ncd", middleChars: 2, suffix: "e", extraContext: "x", fim: true }, 100);
        assert.deepEqual(built.tokens, [256, 258, ...bytes("x"), ...bytes("ab\n"), 259, ...bytes("e"), 260, ...bytes("cd")]);
    });

    it("ignores the middle head in the SPM layout, where the prefix is last anyway", () => {
        const spm = { ...tokenizer, fim: { ...tokenizer.fim!, layout: "spm" as const } };
        const split = buildPrompt(spm, { prefix: "ab\ncd", middleChars: 2, suffix: "e", extraContext: "", fim: true }, 100);
        const whole = buildPrompt(spm, { prefix: "ab\ncd", suffix: "e", extraContext: "", fim: true }, 100);
        assert.deepEqual(split.tokens, whole.tokens);
    });

    it("typing in the middle head changes only the tokens after MID", () => {
        const before = buildPrompt(tokenizer, { prefix: "head\nre", middleChars: 2, suffix: "\ntail", extraContext: "", fim: true }, 100);
        const after = buildPrompt(tokenizer, { prefix: "head\nret", middleChars: 3, suffix: "\ntail", extraContext: "", fim: true }, 100);
        assert.deepEqual(after.tokens.slice(0, before.tokens.length), before.tokens);
        assert.deepEqual(after.tokens.slice(before.tokens.length), bytes("t"));
    });

    it("keeps the middle head whole and trims the prefix before it to fit the budget", () => {
        const built = buildPrompt(tokenizer, { prefix: "p".repeat(500) + "MIDDLE", middleChars: 6, suffix: "s", extraContext: "", fim: true }, 60);
        assert.ok(built.tokens.length <= 60, `${built.tokens.length} > 60`);
        assert.deepEqual(built.tokens.slice(-7), [260, ...bytes("MIDDLE")]);
        assert.ok(built.trimmed.prefix > 0);
    });

    it("cuts a middle head that alone is over the budget from the left", () => {
        const built = buildPrompt(tokenizer, { prefix: "m".repeat(200) + "END", middleChars: 203, suffix: "", extraContext: "", fim: true }, 50);
        assert.ok(built.tokens.length <= 50, `${built.tokens.length} > 50`);
        assert.deepEqual(built.tokens.slice(-3), bytes("END"));
    });
});
