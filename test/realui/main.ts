// The real-editor latency run from the command line (issue 21); `specula latency --real-ui` runs it.
//   node out/test/realui/main.js [--chars N] [--files N] [--modes speculative,targetOnly] [--chains N] [--report FILE.md] [--settings JSON]
//   node out/test/realui/main.js --next-edit [--edits N] [--files N] [--report FILE.md]   (`specula latency --real-ui --next-edit`)
// Needs scripts/install-e2e-tools.sh, tsc and scripts/build.mjs (dist/).
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { formatNextEditMarkdown, nextEditSummaryLine, runNextEditLatency } from "./nextEditLatency";
import { formatRealUiMarkdown, realUiFiles, realUiSummaryLines, runRealUiLatency } from "./realUiLatency";

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            chars: { type: "string" }, files: { type: "string" }, modes: { type: "string" }, report: { type: "string" },
            settings: { type: "string" }, "keep-logs": { type: "string" }, chains: { type: "string" },
            "next-edit": { type: "boolean" }, edits: { type: "string" }
        },
        strict: true
    });
    const integer = (value: string | undefined, name: string, fallback: number, min: number, max: number) => {
        const parsed = value == null ? fallback : Number(value);
        if (!Number.isInteger(parsed) || parsed < min || parsed > max)
            throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
        return parsed;
    };
    const modes = (values.modes ?? "speculative,targetOnly").split(",").map((mode) => {
        if (mode !== "speculative" && mode !== "targetOnly")
            throw new Error(`--modes takes speculative and/or targetOnly, got ${JSON.stringify(mode)}`);
        return mode;
    });
    const repository = path.resolve(__dirname, "..", "..", "..");
    if (values["next-edit"] === true) {
        // Keystroke → next-edit suggestion shown (issue 22): typed renames, the fixture next-edit model.
        if (values.chars != null || values.modes != null || values.chains != null || values.settings != null || values["keep-logs"] != null)
            throw new Error("--next-edit takes only --edits, --files and --report");
        const result = await runNextEditLatency({
            extension: repository,
            files: realUiFiles(integer(values.files, "--files", 4, 1, 4)),
            edits: integer(values.edits, "--edits", 16, 1, 200),
            log: (line) => process.stderr.write(`${line}\n`)
        });
        console.log(nextEditSummaryLine(result));
        const markdown = formatNextEditMarkdown(result);
        writeReport(values.report, markdown, result);
        return 0;
    }
    if (values.edits != null)
        throw new Error("--edits goes with --next-edit");
    const result = await runRealUiLatency({
        extension: repository,
        files: realUiFiles(integer(values.files, "--files", 1, 1, 4)),
        chars: integer(values.chars, "--chars", 200, 1, 100_000),
        modes,
        chains: integer(values.chains, "--chains", 2, 0, 20),
        ...(values["keep-logs"] != null ? { keepLogs: values["keep-logs"] } : {}),
        ...(values.settings != null ? { settings: JSON.parse(values.settings) as Record<string, unknown> } : {}),
        log: (line) => process.stderr.write(`${line}\n`)
    });
    const markdown = formatRealUiMarkdown(result);
    for (const line of realUiSummaryLines(result))
        console.log(line);
    writeReport(values.report, markdown, result);
    return 0;
}

/** The markdown report at `report` with the run's JSON beside it (infinities as strings), or the markdown on stdout. */
function writeReport(report: string | undefined, markdown: string, result: unknown): void {
    if (report == null) {
        console.log(`\n${markdown}`);
        return;
    }
    fs.mkdirSync(path.dirname(path.resolve(report)), { recursive: true });
    fs.writeFileSync(report, markdown);
    fs.writeFileSync(report.replace(/\.md$/, "") + ".json", JSON.stringify(result, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? String(value) : value), 1));
    console.log(`wrote ${report}`);
}

main().then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
});
