// The next-edit bench on the small fixture pair (not a next-edit model: its output is noise, so the
// scores are not checked, only that both modes agree and that drifted tasks are refused).
import * as assert from "node:assert/strict";
import { parseNextEditTasks, runNextEditBench, taskPrompt, type NextEditTask } from "../../src/cli/runNextEditBench";
import type { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { loadSmallEngine } from "../support/engineTestSupport";

function task(id: string, original: string, current: string, line: number): NextEditTask {
    const base = { id, kind: "rename", path: "t.py", original_text: original, current_text: current, line, completion: "", prompt: "" };
    const prompt = taskPrompt(base);
    return { ...base, prompt: prompt.prompt, completion: prompt.currentBlock };
}

describe("next-edit bench", function () {
    this.timeout(300_000);
    let engine: SpeculativeEngine;
    const code = ["def total(items):", "    count = 0", "    for item in items:", "        count += item", "    return count", "", "x = total([])"].join("\n");
    const tasks = [
        task("a", code, code.replace("    count = 0", "    amount = 0"), 2),
        task("b", code, code.replace("for item", "for entry"), 3),
        task("c", code, code.replace("x = total", "y = total"), 7)
    ];

    before(async () => {
        engine = await loadSmallEngine();
    });
    after(async () => {
        await engine?.dispose();
    });

    it("runs each task both ways with the same tokens and scores the speculative output", async () => {
        const report = await runNextEditBench(engine, tasks, { maxTokens: 32 });
        assert.equal(report.mismatches, 0);
        assert.deepEqual(report.tasks.map((result) => [result.id, result.identical]), [["a", true], ["b", true], ["c", true]]);
        assert.equal(report.targetOnly.tokens, report.speculative.tokens);
        assert.equal(report.targetOnly.tokensPerTargetEval, 1);
        assert.ok(report.speculative.draftedTokens > 0);
        // 32 tokens cannot hold a whole window and its end: nothing is right, nothing is offered.
        assert.equal(report.rightWindows, 0);
        assert.equal(report.offeredEdits, 0);
    });

    it("refuses a task whose prompt is not the one Specula builds from its texts", async () => {
        const drifted = { ...tasks[0], prompt: tasks[0].prompt.replace("original/", "before/") };
        await assert.rejects(runNextEditBench(engine, [drifted], { maxTokens: 8 }), /task a: its prompt differs/);
    });

    it("names the line of a task file it cannot read", () => {
        assert.throws(() => parseNextEditTasks('{"id": "x"}\n', "tasks.jsonl"), /tasks.jsonl:1 has no string "kind"/);
        assert.throws(() => parseNextEditTasks("\nnot json\n", "tasks.jsonl"), /tasks.jsonl:2 is not JSON/);
        const line = JSON.stringify(tasks[0]);
        assert.equal(parseNextEditTasks(`${line}\n\n${line}\n`, "t").length, 2);
    });
});
