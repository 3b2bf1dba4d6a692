import * as assert from "node:assert/strict";
import { commandHelp, parseCliArgs, type CommandName } from "../../../src/cli/parseCliArgs";
import { SpeculaError } from "../../../src/engine/SpeculaError";

function rejects(argv: string[], pattern: RegExp, machine = { cores: 4 }): void {
    assert.throws(() => parseCliArgs(argv, machine), (error: unknown) => {
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
        rejects(["edit", "--target", "t", "--file", "a.py", "--line", "0"], /--line must be a whole number from 1/);
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

    it("chooses the built-in pair with --pair, the fixture pair by default (the code pair for latency)", () => {
        const pairOf = (argv: string[]) => {
            const parsed = parseCliArgs(argv);
            assert.ok(parsed.command === "complete" || parsed.command === "bench" || parsed.command === "latency");
            return parsed.pair;
        };
        assert.equal(pairOf(["complete", "--prompt", "x"]), "fixture");
        assert.equal(pairOf(["complete", "--prompt", "x", "--pair", "code"]), "code");
        assert.equal(pairOf(["complete", "--prompt", "x", "--pair", "fixture", "--no-draft"]), "fixture");
        assert.equal(pairOf(["bench"]), "fixture");
        assert.equal(pairOf(["bench", "--pair", "code", "--variants", "target,hybrid", "--limit", "8"]), "code");
        assert.equal(pairOf(["latency"]), "code");
        assert.equal(pairOf(["latency", "--pair", "fixture"]), "fixture");
        rejects(["bench", "--pair", "qwen"], /--pair must be one of fixture, code, got "qwen"/);
        rejects(["complete", "--prompt", "x", "--pair", "code", "--target", "t.gguf"], /--pair and --target cannot be used together/);
        rejects(["bench", "--pair", "code", "--target", "t", "--draft", "d"], /--pair and --target cannot be used together/);
        rejects(["bench", "--pair"], /pair/);
    });

    it("latency --real-ui takes the typing's size and a report, and nothing that it cannot honour", () => {
        const parsed = parseCliArgs(["latency", "--real-ui", "--chars", "120", "--files", "2", "--report", "r.md"]);
        assert.ok(parsed.command === "latency");
        assert.deepEqual([parsed.realUi, parsed.chars, parsed.files, parsed.report], [true, 120, 2, "r.md"]);
        assert.equal((parseCliArgs(["latency"]) as { realUi: boolean }).realUi, false);
        rejects(["latency", "--real-ui", "--threads", "2"], /--real-ui takes only --chars, --files and --report/);
        rejects(["latency", "--real-ui", "--pair", "fixture"], /--real-ui takes only/);
    });

    it("latency --real-ui --next-edit times next-edit suggestions and takes only a report", () => {
        const parsed = parseCliArgs(["latency", "--real-ui", "--next-edit", "--report", "n.md"]);
        assert.ok(parsed.command === "latency");
        assert.deepEqual([parsed.realUi, parsed.nextEdit, parsed.report], [true, true, "n.md"]);
        assert.equal((parseCliArgs(["latency", "--real-ui"]) as { nextEdit: boolean }).nextEdit, false);
        rejects(["latency", "--next-edit"], /--next-edit goes with --real-ui and takes only --report/);
        rejects(["latency", "--real-ui", "--next-edit", "--chars", "100"], /--next-edit goes with --real-ui and takes only --report/);
        rejects(["latency", "--real-ui", "--next-edit", "--files", "2"], /--next-edit goes with --real-ui/);
    });

    it("rejects bad arguments with one clear line", () => {
        rejects(["complete", "--prompt", "x", "--max-tokens", "lots"], /--max-tokens must be a whole number/);
        rejects(["complete", "--prompt", "x", "--temperature", "-1"], /--temperature/);
        rejects(["complete", "--prompt", "x", "--prefix-file", "p"], /exactly one of/);
        rejects(["complete"], /exactly one of/);
        rejects(["complete", "--prompt", "x", "--draft", "d", "--no-draft", "--target", "t"], /cannot be used together/);
        rejects(["complete", "--prompt", "x", "--bogus"], /bogus/);
        rejects(["frobnicate"], /unknown command/);
        rejects(["bench", "--target", "t"], /both --target and --draft/);
    });

    it("answers --help and -h for every command with that command's usage", () => {
        const names: CommandName[] = ["complete", "bench", "latency", "fixtures"];
        for (const name of names) {
            assert.deepEqual(parseCliArgs([name, "--help"]), { command: "help", topic: name });
            assert.deepEqual(parseCliArgs([name, "-h"]), { command: "help", topic: name });
            assert.match(commandHelp(name), new RegExp(`^Usage: specula ${name} `));
        }
        assert.deepEqual(parseCliArgs(["help", "bench"]), { command: "help", topic: "bench" });
        assert.deepEqual(parseCliArgs(["help", "--help"]), { command: "help" });
        rejects(["help", "benhc"], /unknown command "benhc"; did you mean bench\?/);
        // Asked for among other options (even a wrong one), help wins; as an option's value it is that value.
        assert.deepEqual(parseCliArgs(["complete", "--prompt", "x", "--bogus", "-h"]), { command: "help", topic: "complete" });
        const parsed = parseCliArgs(["complete", "--prompt=--help"], { cores: 4 });
        assert.ok(parsed.command === "complete");
        assert.equal(parsed.prompt, "--help");
    });

    it("lists every option a command parses, with its default, in its help", () => {
        const help = commandHelp("complete");
        for (const option of ["--pair", "--target", "--draft", "--no-draft", "--prompt", "--prefix-file", "--suffix-file", "--max-tokens N", "--max-lines", "--temperature", "--seed", "--draft-max", "--threads", "--json", "-h, --help"])
            assert.ok(help.includes(option), `complete --help does not list ${option}`);
        assert.match(help, /--max-tokens N +.*\(default 64\)/);
        assert.match(commandHelp("bench"), /--limit N +a quick run/);
    });

    it("takes a negative number as a value and rejects it by its range; keeps node's hint for other dashes", () => {
        rejects(["complete", "--prompt", "x", "--max-tokens", "-5"], /^--max-tokens must be a whole number from 1 to \d+ .*got "-5"\.$/);
        rejects(["latency", "--chars", "-1"], /^--chars must be a whole number from 1 to 100000, got "-1"\.$/);
        rejects(["complete", "--prompt", "x", "--temperature", "-.5"], /^--temperature must be a number from 0 to \d+, got "-\.5"\.$/);
        rejects(["complete", "--prompt", "-x"], /ambiguous.*use '--prompt=-XYZ'/);
    });

    it("suggests the option or command a typo was near", () => {
        rejects(["complete", "--prompt", "x", "--max-token", "5"], /complete has no option --max-token; did you mean --max-tokens\?/);
        rejects(["bench", "--variant", "all"], /did you mean --variants\?/);
        rejects(["bench", "--limti", "2"], /bench has no option --limti; did you mean --limit\?/);
        rejects(["complete", "--prompt", "x", "--frobnicate"], /complete has no option --frobnicate\. \(specula complete --help lists its options\)/);
        rejects(["complet", "--prompt", "x"], /unknown command "complet"; did you mean complete\?/);
    });

    it("bounds --max-tokens by the context the command loads, not by 1048576", () => {
        rejects(["complete", "--prompt", "x", "--max-tokens", "5000"], /--max-tokens must be a whole number from 1 to 2038 \(the most that fits the 4096-token context/);
        rejects(["complete", "--prompt", "x", "--max-tokens", "2043", "--draft-max", "4"], /from 1 to 2042 /);
        rejects(["bench", "--max-tokens", "5000"], /from 1 to 2038 /);
        rejects(["bench", "--variants", "all", "--max-tokens", "1015"], /from 1 to 1014 \(the most that fits the 2048-token context/);
        rejects(["latency", "--max-tokens", "4096"], /from 1 to 1014 /);
        const parsed = parseCliArgs(["complete", "--prompt", "x", "--max-tokens", "2038"], { cores: 4 });
        assert.ok(parsed.command === "complete");
        assert.equal(parsed.maxTokens, 2038);
    });

    it("rejects --max-tokens 0 and --draft-max 0 (the settings' minimum is 1) and --draft-max above the setting's maximum", () => {
        rejects(["complete", "--prompt", "x", "--max-tokens", "0"], /--max-tokens must be a whole number from 1 /);
        rejects(["complete", "--prompt", "x", "--draft-max", "0"], /--draft-max must be a whole number from 1 to 32,/);
        rejects(["complete", "--prompt", "x", "--draft-max", "33"], /--draft-max must be a whole number from 1 to 32,/);
        rejects(["bench", "--max-tokens", "0"], /--max-tokens must be a whole number from 1 /);
        const parsed = parseCliArgs(["complete", "--prompt", "x", "--max-tokens", "1", "--draft-max", "1"], { cores: 4 });
        assert.ok(parsed.command === "complete");
        assert.deepEqual([parsed.maxTokens, parsed.draftMax], [1, 1]);
    });

    it("bounds --threads by this machine's cores", () => {
        rejects(["complete", "--prompt", "x", "--threads", "3"], /^--threads must be a whole number from 0 to 2 \(this machine has 2 cores; 0 = all but one\), got "3"\.$/, { cores: 2 });
        rejects(["bench", "--threads", "999"], /from 0 to 2 /, { cores: 2 });
        rejects(["latency", "--threads", "3"], /from 0 to 2 /, { cores: 2 });
        const parsed = parseCliArgs(["bench", "--threads", "2"], { cores: 2 });
        assert.ok(parsed.command === "bench");
        assert.equal(parsed.threads, 2);
    });

    it("rejects an unknown --variants entry while parsing, before any fixture is generated", () => {
        rejects(["bench", "--variants", "foo"], /^--variants: unknown variant "foo" \(expected all or some of target, /);
        rejects(["bench", "--variants", "target,hybird"], /unknown variant "hybird"/);
        const parsed = parseCliArgs(["bench", "--variants", "target, hybrid"], { cores: 4 });
        assert.ok(parsed.command === "bench");
        assert.equal(parsed.variants, "target, hybrid");
    });

    it("makes bench --limit a quick run: the settings sweep and the typing replay shrink unless given", () => {
        const bench = (argv: string[]) => {
            const parsed = parseCliArgs(["bench", ...argv], { cores: 4 });
            assert.ok(parsed.command === "bench");
            return { limit: parsed.limit, sweepTasks: parsed.sweepTasks, typingChars: parsed.typingChars };
        };
        assert.deepEqual(bench(["--variants", "all"]), { limit: undefined, sweepTasks: 4, typingChars: 240 });
        assert.deepEqual(bench(["--variants", "all", "--limit", "3"]), { limit: 3, sweepTasks: 1, typingChars: 0 });
        assert.deepEqual(bench(["--variants", "all", "--limit", "3", "--sweep-tasks", "2", "--typing-chars", "80"]), { limit: 3, sweepTasks: 2, typingChars: 80 });
    });
});
