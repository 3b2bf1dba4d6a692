import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { buildNextEditPrompt, recentEditOf } from "../../src/nextEdit/nextEditPrompt";
import { loadSmallEngine } from "../support/engineTestSupport";

/** Next-edit prompts over this repository's own sources: a rename on the cursor line, the window around it. */
function nextEditPrompts(count: number): Array<{ rawPrompt: string; copyFrom: string }> {
    const root = path.join(__dirname, "..", "..", "..", "src", "engine");
    const files = fs.readdirSync(root).filter((name) => name.endsWith(".ts")).sort();
    const prompts: Array<{ rawPrompt: string; copyFrom: string }> = [];
    for (let i = 0; prompts.length < count; i++) {
        const name = files[i % files.length];
        const original = fs.readFileSync(path.join(root, name), "utf8");
        const lines = original.split("\n");
        const line = (i * 7) % lines.length;
        const word = /[A-Za-z_]\w{2,}/.exec(lines[line]);
        if (word == null)
            continue;
        lines[line] = lines[line].replace(word[0], `${word[0]}Next`);
        const text = lines.join("\n");
        // A 5-line window: the fixture vocabulary is close to one token per byte, and its context is 2048.
        const prompt = buildNextEditPrompt({ path: `src/engine/${name}`, text, cursorLine: line, original, edits: [recentEditOf(name, original, text)!], windowLines: 5, linesAboveCursor: 1 });
        prompts.push({ rawPrompt: prompt.prompt, copyFrom: prompt.currentBlock });
    }
    return prompts;
}

/** The reference output with an insertion, a deletion and a replacement: the copy must re-align after each. */
function perturbed(text: string): string {
    const third = Math.floor(text.length / 3);
    return `${text.slice(0, 5)}XYZ${text.slice(5, third)}${text.slice(third + 4, 2 * third)}Q${text.slice(2 * third + 3)}`;
}

describe("speculative edits: greedy output is the target's alone", function () {
    this.timeout(600_000);
    let engine: SpeculativeEngine;
    const prompts = nextEditPrompts(12);
    const reference: Array<{ tokens: number[]; text: string }> = [];

    before(async () => {
        engine = await loadSmallEngine();
        for (const prompt of prompts) {
            const result = await engine.complete({ prefix: "", rawPrompt: prompt.rawPrompt, maxTokens: 48, speculative: false });
            reference.push({ tokens: result.tokens, text: result.text });
        }
    });

    after(async () => {
        await engine?.dispose();
    });

    for (const drafter of ["hybrid", "model", "ngram"] as const)
        it(`copying the window, with the ${drafter} drafter where the output departs from it`, async () => {
            engine.setDecodingOptions({ drafter, draftMax: 8, adaptiveDraft: true, speculative: true });
            let copied = 0;
            for (const [index, prompt] of prompts.entries())
                for (const copyFrom of [prompt.copyFrom, perturbed(reference[index].text), reference[index].text]) {
                    const result = await engine.complete({ prefix: "", rawPrompt: prompt.rawPrompt, copyFrom, maxTokens: 48 });
                    assert.deepEqual(result.tokens, reference[index].tokens, `prompt ${index} diverged (${drafter}, copy of ${JSON.stringify(copyFrom.slice(0, 40))})`);
                    assert.equal(result.speculative, true);
                    copied += result.stats.acceptedTokens;
                }

            // The copies of the reference (whole and perturbed) are right most of the way: they must have been used.
            assert.ok(copied >= prompts.length * 48, `only ${copied} drafted tokens were accepted`);
        });

    it("takes every copy of the target's own output in few target passes", async () => {
        engine.setDecodingOptions({ drafter: "ngram", draftMax: 8, adaptiveDraft: true, speculative: true });
        let evals = 0;
        let generated = 0;
        for (const [index, prompt] of prompts.entries()) {
            const result = await engine.complete({ prefix: "", rawPrompt: prompt.rawPrompt, copyFrom: reference[index].text, maxTokens: 48 });
            evals += result.stats.targetEvals;
            generated += result.stats.generatedTokens;
        }
        console.log(`      copies of the target's own output: ${generated} tokens in ${evals} target passes`);
        // Target alone needs one pass per token; a right copy needs a few for 48 tokens.
        assert.ok(generated / evals >= 4, `${generated} tokens in ${evals} target passes`);
    });

    it("refuses a prompt that does not fit the context, with one clear error", async () => {
        await assert.rejects(
            engine.complete({ prefix: "", rawPrompt: "x ".repeat(5000), maxTokens: 48 }),
            (error: Error) => /The prompt is \d+ tokens but the 2048-token context leaves room for \d+ with 48 to generate/.test(error.message)
        );
    });
});
