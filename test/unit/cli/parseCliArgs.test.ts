import * as assert from "node:assert/strict";
import { parseCliArgs } from "../../../src/cli/parseCliArgs";
import { SpeculaError } from "../../../src/engine/SpeculaError";

function rejects(argv: string[], pattern: RegExp): void {
    assert.throws(() => parseCliArgs(argv), (error: unknown) => {
        assert.ok(error instanceof SpeculaError, String(error));
        assert.equal(error.code, "BAD_ARGUMENT");
        assert.match(error.message, pattern);
        assert.ok(!error.message.includes("\n"), "message must be one line");
        return true;
    });
}

describe("parseCliArgs", () => {
    it("parses complete with every option", () => {
        const parsed = parseCliArgs(["complete", "--target", "t.gguf", "--draft", "d.gguf", "--prompt", "x", "--max-tokens", "9",
            "--temperature", "0.5", "--seed", "3", "--draft-max", "4", "--threads", "1", "--json"]);
        assert.deepEqual(parsed, {
            command: "complete", pair: "fixture", target: "t.gguf", draft: "d.gguf", noDraft: false, prefixFile: undefined, suffixFile: undefined,
            prompt: "x", maxTokens: 9, maxLines: undefined, temperature: 0.5, seed: 3, draftMax: 4, threads: 1, json: true
        });
    });

    it("parses edit, with its defaults", () => {
        assert.deepEqual(parseCliArgs(["edit", "--target", "t.gguf", "--draft", "d.gguf", "--file", "a.py", "--line", "12", "--history", "h.diff",
            "--no-speculative", "--max-tokens", "99", "--draft-max", "4", "--threads", "1", "--json"]), {
            command: "edit", target: "t.gguf", draft: "d.gguf", noDraft: false, file: "a.py", line: 12, history: "h.diff",
            noSpeculative: true, maxTokens: 99, draftMax: 4, threads: 1, json: true
        });
        assert.deepEqual(parseCliArgs(["edit", "--target", "t.gguf", "--no-draft", "--file", "a.py", "--line", "1"]), {
            command: "edit", target: "t.gguf", noDraft: true, file: "a.py", line: 1, noSpeculative: false, maxTokens: 256, draftMax: undefined, threads: 0, json: false
        });
        rejects(["edit", "--file", "a.py", "--line", "1"], /edit needs --target/);
        rejects(["edit", "--target", "t", "--file", "a.py"], /edit needs --file F and --line N/);
        rejects(["edit", "--target", "t", "--draft", "d", "--no-draft", "--file", "a.py", "--line", "1"], /--draft and --no-draft cannot be used together/);
        rejects(["edit", "--target", "t", "--file", "a.py", "--line", "0"], /--line must be a number from 1/);
    });

    it("parses edit-bench", () => {
        assert.deepEqual(parseCliArgs(["edit-bench", "--target", "t.gguf", "--tasks", "e.jsonl", "--limit", "5"]), {
            command: "edit-bench", target: "t.gguf", tasks: "e.jsonl", limit: 5, maxTokens: 256, threads: 1, json: false
        });
        rejects(["edit-bench", "--target", "t.gguf"], /edit-bench needs --target \(a next-edit model\) and --tasks/);
    });

    it("parses bench and fixtures", () => {
        assert.equal(parseCliArgs(["bench", "--target", "t", "--draft", "d", "--tasks", "x.jsonl"]).command, "bench");
        assert.deepEqual(parseCliArgs(["fixtures", "--out", "dir"]), { command: "fixtures", out: "dir", large: false });
        assert.deepEqual(parseCliArgs([]), { command: "help" });
    });

    it("chooses the built-in pair with --pair, the fixture pair by default", () => {
        const pairOf = (argv: string[]) => {
            const parsed = parseCliArgs(argv);
            assert.ok(parsed.command === "complete" || parsed.command === "bench");
            return parsed.pair;
        };
        assert.equal(pairOf(["complete", "--prompt", "x"]), "fixture");
        assert.equal(pairOf(["complete", "--prompt", "x", "--pair", "code"]), "code");
        assert.equal(pairOf(["complete", "--prompt", "x", "--pair", "fixture", "--no-draft"]), "fixture");
        assert.equal(pairOf(["bench"]), "fixture");
        assert.equal(pairOf(["bench", "--pair", "code", "--variants", "target,hybrid", "--limit", "8"]), "code");
        rejects(["bench", "--pair", "qwen"], /--pair must be one of fixture, code, got "qwen"/);
        rejects(["complete", "--prompt", "x", "--pair", "code", "--target", "t.gguf"], /--pair and --target cannot be used together/);
        rejects(["bench", "--pair", "code", "--target", "t", "--draft", "d"], /--pair and --target cannot be used together/);
        rejects(["bench", "--pair"], /pair/);
    });

    it("rejects bad arguments with one clear line", () => {
        rejects(["complete", "--prompt", "x", "--max-tokens", "lots"], /--max-tokens must be a number/);
        rejects(["complete", "--prompt", "x", "--temperature", "-1"], /--temperature/);
        rejects(["complete", "--prompt", "x", "--prefix-file", "p"], /exactly one of/);
        rejects(["complete"], /exactly one of/);
        rejects(["complete", "--prompt", "x", "--draft", "d", "--no-draft", "--target", "t"], /cannot be used together/);
        rejects(["complete", "--prompt", "x", "--bogus"], /bogus/);
        rejects(["frobnicate"], /unknown command/);
        rejects(["bench", "--target", "t"], /both --target and --draft/);
    });
});
