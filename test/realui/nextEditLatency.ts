// The real-editor latency of next-edit suggestions (issue 22): code-server + Chromium with the
// extension under development and the fixture next-edit model (test/models/next-edit), completions
// off, threads 1. A user renames variables in held-out code (vscode-jsonrpc's lib/common files, as
// the completion run types): at a line where a name is used again in the lines below, they put the
// cursor after the name and type a suffix, ~130 ms a key. Timed in the page, per animation frame, from
// the last key's keydown to the first frame that shows an edit (the decorations of a replacement, or
// ghost text for an insertion at the cursor). Then Escape, and the file is reverted.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { percentile } from "../../src/completion/percentile";
import { readNextEditDecorations } from "../launchers/nextEditProbe";
import { openBrowserSession, type BrowserSession } from "../launchers/openBrowserSession";
import { installProbe, pressKey, waitForGhost } from "./realUiLatency";

/** One typed rename: at `line` (1-based), after `name` (its end at 1-based `column`), the user types `suffix`. */
export interface NextEditTypingTask {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly name: string;
    readonly suffix: string;
}

export interface NextEditLatencyOptions {
    readonly extension: string;
    readonly files: readonly string[];
    /** Typed renames, spread over the files. */
    readonly edits: number;
    /** Longest wait for an edit after the last key, ms. */
    readonly waitMs?: number;
    /** Gap between keys, ms (jittered ±40 %). */
    readonly charMs?: number;
    readonly log: (line: string) => void;
}

export interface NextEditTimedEdit {
    readonly task: NextEditTypingTask;
    /** Last keydown → first frame showing an edit, ms; Infinity when none showed within waitMs. */
    readonly latencyMs: number;
    /** The last keydown and that frame (page clock, epoch ms). */
    readonly keyAt: number;
    readonly shownAt?: number;
    /** What showed: ghost text, and/or "[edit: struck → inserted]" for a replacement. */
    readonly shown?: string;
}

export interface NextEditLatencyResult {
    readonly options: Omit<NextEditLatencyOptions, "log" | "extension">;
    readonly edits: readonly NextEditTimedEdit[];
    readonly load: readonly number[];
    readonly loadAfter: readonly number[];
    readonly wallMs: number;
}

const KEYWORDS = new Set(("break case catch class const continue debugger default delete do else export extends false finally for function if import in " +
    "instanceof let new null of return super switch this throw true try typeof undefined var void while with yield async await static get set " +
    "exports require Object Array Promise Error String Number Boolean Symbol Map Set use strict").split(" "));
const SUFFIXES = ["Next", "Value", "Item", "Count", "Entry", "State", "List", "Result"];

/**
 * Rename tasks in `files`: a line whose bare identifier (3+ characters, not a keyword, not after a
 * dot, not in a comment) is used again, bare, in the 7 lines below (the model's window is 3 lines above
 * the cursor to 7 below); at least 12 lines apart, spread evenly over all candidates.
 */
export function nextEditTasks(files: readonly string[], count: number): NextEditTypingTask[] {
    const candidates: Array<Omit<NextEditTypingTask, "suffix">> = [];
    for (const file of files) {
        const lines = fs.readFileSync(file, "utf8").replace(/\r\n?/g, "\n").split("\n");
        let lastLine = -Infinity;
        for (let index = 20; index < lines.length - 8; index++) {
            const line = lines[index]!;
            if (index - lastLine < 12 || /^\s*(\/\/|\/?\*)/.test(line))
                continue;
            const below = lines.slice(index + 1, index + 8).filter((other) => !/^\s*(\/\/|\/?\*)/.test(other)).join("\n");
            for (const match of line.matchAll(/[A-Za-z_$][\w$]{2,}/g)) {
                const name = match[0];
                const before = line.slice(0, match.index);
                if (KEYWORDS.has(name) || /\.\s*$/.test(before) || /["'`]/.test(before))
                    continue;
                if (!new RegExp(`(^|[^.\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`, "m").test(below))
                    continue;
                candidates.push({ file, line: index + 1, column: match.index + name.length + 1, name });
                lastLine = index;
                break;
            }
        }
    }
    if (candidates.length < count)
        throw new Error(`only ${candidates.length} rename places in ${files.map((file) => path.basename(file)).join(", ")}; asked for ${count}`);
    return Array.from({ length: count }, (_, i) => {
        const task = candidates[Math.floor((i * candidates.length) / count)]!;
        const word = SUFFIXES[i % SUFFIXES.length]!;
        return { ...task, suffix: /_/.test(task.name) ? `_${word.toLowerCase()}` : word };
    });
}

export async function runNextEditLatency(options: NextEditLatencyOptions): Promise<NextEditLatencyResult> {
    const started = Date.now();
    const load = os.loadavg();
    const waitMs = options.waitMs ?? 3000;
    const charMs = options.charMs ?? 130;
    const model = path.join(options.extension, "test", "models", "next-edit", "next-edit-target.gguf");
    const tasks = nextEditTasks(options.files, options.edits);
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "specula-realui-next-edit-ws-"));
    for (const file of options.files)
        fs.copyFileSync(file, path.join(workspace, path.basename(file)));
    const edits: NextEditTimedEdit[] = [];
    let session: BrowserSession | undefined;
    try {
        session = await openBrowserSession({
            extensionDevelopmentPath: options.extension,
            workspace,
            // Next-edit suggestions alone (no completion pair), the product's debounce.
            settings: { "specula.enable": false, "specula.nextEdit.enabled": true },
            machineSettings: { "specula.nextEdit.model": model, "specula.threads": 1 },
            viewport: { width: 1400, height: 900 },
            timeoutMs: 60_000
        });
        const page = session.page;
        await page.evaluate(`window.__readNextEdit = ${readNextEditDecorations.toString()}`);
        await installProbe(page);
        let open: string | undefined;
        // The first rename loads the model: typed once untimed.
        for (const [index, task] of [tasks[0]!, ...tasks].entries()) {
            const name = path.basename(task.file);
            if (open !== name) {
                await session.openFile(name);
                await session.focusEditor({ atEnd: false });
                open = name;
            }
            await page.keyboard.press("Control+G");
            const input = page.locator(".quick-input-widget .quick-input-box input");
            await input.waitFor({ state: "visible" });
            await input.fill(`:${task.line}:${task.column}`);
            await page.keyboard.press("Enter");
            await input.waitFor({ state: "hidden" });
            await page.waitForTimeout(400);
            for (const char of task.suffix.slice(0, -1)) {
                await page.keyboard.press(char);
                await page.waitForTimeout(charMs * (0.6 + 0.8 * pseudoRandom(index * 31 + char.charCodeAt(0))));
            }
            const before = await page.evaluate(() => (window as unknown as { __realUi: { frames: Array<{ text: string }> } }).__realUi.frames.at(-1)?.text ?? "");
            const key = await pressKey(page, task.suffix.at(-1)!);
            const shown = await waitForGhost(page, key.keys, index === 0 ? 60_000 : waitMs, before === "" ? undefined : before);
            if (index > 0) {
                edits.push({ task, latencyMs: shown != null ? shown.at - key.lastKeyAt : Infinity, keyAt: key.lastKeyAt, ...(shown != null ? { shownAt: shown.at, shown: shown.text } : {}) });
                options.log(`${name}:${task.line} ${task.name} → ${task.name}${task.suffix}: ${shown != null ? `${Math.round(shown.at - key.lastKeyAt)} ms ${shown.text.slice(0, 100)}` : `nothing within ${waitMs} ms`}`);
            }
            await page.keyboard.press("Escape");
            await session.runCommand("File: Revert File");
            await page.waitForTimeout(300);
        }
    } finally {
        await session?.dispose();
        fs.rmSync(workspace, { recursive: true, force: true });
    }
    return { options: { files: options.files, edits: options.edits, waitMs, charMs }, edits, load, loadAfter: os.loadavg(), wallMs: Date.now() - started };
}

/** A fixed jitter in [0, 1) per key (the same keys every run). */
function pseudoRandom(seed: number): number {
    const x = Math.sin(seed * 12.9898) * 43758.5453;
    return x - Math.floor(x);
}

function fmt(value: number | undefined): string {
    return value == null ? "—" : Number.isFinite(value) ? `${Math.round(value)}` : "∞";
}

/** p50 / p95 over the typed renames that showed an edit, and how many showed nothing within the wait. */
export function summarizeNextEdit(result: NextEditLatencyResult): { shown: number; none: number; p50?: number; p95?: number } {
    const times = result.edits.map((edit) => edit.latencyMs).filter((ms) => Number.isFinite(ms));
    return { shown: times.length, none: result.edits.length - times.length, p50: percentile(times, 50), p95: percentile(times, 95) };
}

export function nextEditSummaryLine(result: NextEditLatencyResult): string {
    const summary = summarizeNextEdit(result);
    return `real UI, next-edit (fixture next-edit model): keystroke → edit shown p50 ${fmt(summary.p50)} p95 ${fmt(summary.p95)} ms over ${summary.shown} typed renames that showed an edit (${summary.none} of ${result.edits.length} showed nothing within ${result.options.waitMs} ms)`;
}

export function formatNextEditMarkdown(result: NextEditLatencyResult): string {
    const summary = summarizeNextEdit(result);
    const lines = [
        `Fixture next-edit model (test/models/next-edit), completions off, threads 1, the product's debounce; ${result.edits.length} typed renames in ${result.options.files.map((file) => path.basename(file)).join(", ")}, keys ~${result.options.charMs} ms apart; load average at start ${result.load.map((value) => value.toFixed(2)).join(", ")}, at the end ${result.loadAfter.map((value) => value.toFixed(2)).join(", ")}; wall time ${(result.wallMs / 60000).toFixed(1)} min.`,
        "",
        `Keystroke → edit shown: p50 ${fmt(summary.p50)} ms, p95 ${fmt(summary.p95)} ms over ${summary.shown} renames that showed an edit; ${summary.none} showed nothing within ${result.options.waitMs} ms.`,
        "",
        "| place | typed | ms | shown |",
        "|---|---|--:|---|"
    ];
    for (const edit of result.edits)
        lines.push(`| ${path.basename(edit.task.file)}:${edit.task.line} | ${edit.task.name} → ${edit.task.name}${edit.task.suffix} | ${fmt(edit.latencyMs)} | ${(edit.shown ?? "").replace(/\|/g, "\\|").replace(/\n/g, "⏎").slice(0, 90)} |`);
    lines.push("");
    return lines.join("\n");
}
