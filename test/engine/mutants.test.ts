// The seeded mutant run (issue 13): hostile variants of the fixture models — the specific files
// that once aborted Node or llama.cpp, made the CLI exit 1 or complete with NUL text, plus a seeded
// random sample of damage — each given to the real CLI as the target and as the draft. Every run
// must end in exit 2 with one line naming the file, or exit 0 with a completion free of NUL; a
// broken draft must not change the target's greedy output. Never a signal, an exit 1 or a hang.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GgufEditor, issueMutants, randomMutants, type GgufMutant } from "../../src/fixtures/ggufMutants";
import { smallFixtures } from "../support/engineTestSupport";

const cli = path.resolve(__dirname, "../../../dist/cli.js");
const seed = "issue-13-mutants";
const prompt = ["--prompt", "export function ", "--max-tokens", "8", "--threads", "1", "--json"];

interface Run {
    readonly mutant: string;
    readonly role: "target" | "draft";
    readonly file: string;
    readonly status: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

function runCli(args: readonly string[], timeoutMs = 90_000): Promise<Omit<Run, "mutant" | "role" | "file">> {
    return new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => { stdout += chunk; });
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => { stderr += chunk; });
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status, signal) => {
            clearTimeout(timer);
            resolve({ status, signal, stdout, stderr, ms: Date.now() - started });
        });
    });
}

/** Runs jobs two at a time (this suite's budget is a couple of minutes on 2 vCPUs). */
async function inPool<T>(jobs: ReadonlyArray<() => Promise<T>>, width = 2): Promise<T[]> {
    const results: T[] = new Array<T>(jobs.length);
    let next = 0;
    await Promise.all(Array.from({ length: width }, async () => {
        while (next < jobs.length) {
            const index = next++;
            results[index] = await jobs[index]!();
        }
    }));
    return results;
}

describe("seeded mutant run: every hostile model file gives exit 2 and one line naming it, or a clean completion", function () {
    this.timeout(600_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-mutants-"));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it(`${seed}: the issue's files and 30 random ones from the draft, 6 from the target, as target and as draft`, async () => {
        const paths = await smallFixtures();
        assert.ok(fs.existsSync(cli), `${cli} is missing: run node scripts/build.mjs`);
        const draft = await GgufEditor.open(paths.smallDraft);
        const target = await GgufEditor.open(paths.smallTarget);
        const mutants: GgufMutant[] = [
            ...issueMutants(draft),
            ...randomMutants(draft, `${seed}/draft`, 30),
            ...randomMutants(target, `${seed}/target`, 6).map((mutant) => ({ ...mutant, name: `target-${mutant.name}` }))
        ];
        const files = mutants.map((mutant) => {
            const file = path.join(scratch, `${mutant.name}.gguf`);
            fs.writeFileSync(file, mutant.bytes);
            return file;
        });

        // What the good pair writes: a broken draft may slow speculation down, never change the text.
        const reference = await runCli(["complete", "--target", paths.smallTarget, "--no-draft", ...prompt]);
        assert.equal(reference.status, 0, reference.stderr);
        const expectedText = (JSON.parse(reference.stdout) as { text: string }).text;
        assert.ok(expectedText.length > 0);

        const jobs = mutants.flatMap((mutant, index) => (["target", "draft"] as const).map((role) => async (): Promise<Run> => {
            const file = files[index]!;
            const pair = role === "target" ? ["--target", file, "--no-draft"] : ["--target", paths.smallTarget, "--draft", file];
            return { mutant: `${mutant.name} (${mutant.description})`, role, file, ...await runCli(["complete", ...pair, ...prompt]) };
        }));
        const started = Date.now();
        const runs = await inPool(jobs);
        const elapsed = Date.now() - started;

        const problems: string[] = [];
        const outcomes = new Map<string, number>();
        const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        for (const run of runs) {
            const where = `${run.mutant} as ${run.role}`;
            const lines = run.stderr.split("\n").filter((line) => line !== "");
            if (run.signal != null) {
                problems.push(`${where}: killed by ${run.signal} after ${run.ms} ms`);
                continue;
            }
            if (run.status === 2) {
                if (lines.length !== 1 || !lines[0]!.startsWith("specula: ") || !lines[0]!.includes(JSON.stringify(run.file)))
                    problems.push(`${where}: exit 2 but stderr is not one line naming the file: ${JSON.stringify(run.stderr.slice(0, 400))}`);
                count(/llama\.cpp was killed|exited with code/.test(lines[0] ?? "") ? "exit 2: the engine process died, reported"
                    : /Could not load/.test(lines[0] ?? "") ? "exit 2: llama.cpp refused it"
                    : /is broken/.test(lines[0] ?? "") ? "exit 2: NaN output caught"
                    : "exit 2: refused by Specula's checks");
                continue;
            }
            if (run.status === 0) {
                let text: string | undefined;
                try {
                    text = (JSON.parse(run.stdout) as { text?: unknown }).text as string;
                } catch {
                    problems.push(`${where}: exit 0 without a JSON result: ${JSON.stringify(run.stdout.slice(0, 200))}`);
                    continue;
                }
                if (typeof text !== "string" || text.includes("\u0000"))
                    problems.push(`${where}: completion with NUL or no text: ${JSON.stringify(text)}`);
                else if (run.role === "draft" && text !== expectedText)
                    problems.push(`${where}: the draft changed the target's output: ${JSON.stringify(text)} instead of ${JSON.stringify(expectedText)}`);
                // A draft that cannot draft for the target is left out with one notice, and the target completes alone.
                const draftLeftOut = run.role === "draft" && lines.length === 1 && lines[0]!.startsWith("[specula] The draft model ") &&
                    lines[0]!.includes(JSON.stringify(run.file)) && lines[0]!.endsWith("Completing with the target alone.");
                if (lines.length !== 0 && !draftLeftOut)
                    problems.push(`${where}: exit 0 but wrote to stderr: ${JSON.stringify(run.stderr.slice(0, 400))}`);
                count(draftLeftOut ? "exit 0: draft left out, target completed alone" : "exit 0: completed");
                continue;
            }
            problems.push(`${where}: exit ${run.status}: ${JSON.stringify(run.stderr.slice(0, 300))}`);
        }
        const slowest = runs.reduce((max, run) => run.ms > max.ms ? run : max);
        console.log(`      ${mutants.length} mutants × 2 roles = ${runs.length} CLI runs in ${(elapsed / 1000).toFixed(1)} s (slowest ${(slowest.ms / 1000).toFixed(1)} s: ${slowest.mutant} as ${slowest.role}):`);
        for (const [outcome, times] of [...outcomes].sort())
            console.log(`        ${outcome}: ${times}`);
        assert.deepEqual(problems, [], `${problems.length} runs broke the rule`);
        // The run must exercise every way out, or it proves less than it claims.
        for (const outcome of ["exit 2: refused by Specula's checks", "exit 2: NaN output caught", "exit 2: the engine process died, reported", "exit 0: completed"])
            assert.ok((outcomes.get(outcome) ?? 0) > 0, `no run ended in "${outcome}"`);
    });
});
