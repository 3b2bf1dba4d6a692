// Issue 6 in the real extension host: hostile model files and an engine that dies while loading,
// awkward documents (timed on the UI thread), concurrent requests and settings changes, pinned
// checksums, and prompts that never reach the log or storage unless the debug setting is on.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as vscode from "vscode";
import type { SpeculaTestApi } from "../../src/extension";
import type { CompletionOutcome } from "../../src/vscode/InlineCompletionProvider";
import { itemText, readyWith, requestCompletion, setUser, sleep, specula, waitForState } from "./extensionHostHelpers";
import { fixturePair, userSettings } from "./suiteSetup";

let api: SpeculaTestApi;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Offset of the first dimension of tensor `name` in a GGUF header. */
function tensorDimsOffset(bytes: Buffer, name: string): number {
    const encoded = Buffer.from(name, "utf8");
    const needle = Buffer.alloc(8 + encoded.length);
    needle.writeBigUInt64LE(BigInt(encoded.length), 0);
    encoded.copy(needle, 8);
    return bytes.indexOf(needle) + needle.length + 4;
}

function filesUnder(root: string): string[] {
    if (!fs.existsSync(root))
        return [];
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(root, { withFileTypes: true });
    } catch {
        return [];
    }
    return entries.flatMap((entry) => {
        const full = path.join(root, entry.name);
        return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
    });
}

/** Puts the user's pairs back and selects the fixture pair again (after a test, passed or failed). */
async function restorePairs(originalPairs: unknown[]): Promise<void> {
    await setUser("modelPairs", originalPairs);
    const state = api.engineState();
    if (!(state.kind === "ready" && state.pair.name === fixturePair) || specula().get("selectedPair") !== fixturePair)
        await vscode.commands.executeCommand("specula.selectModelPair", fixturePair);
    await waitForState(api, readyWith(fixturePair), "the fixture pair again");
}

/** Fails when the provider skipped the request (engine not ready): such a pass would prove nothing. */
function assertAnswered(outcome: CompletionOutcome | undefined, what: string): void {
    assert.ok(outcome != null && !(outcome.kind === "empty" && outcome.reason === "skipped") && outcome.kind !== "error", `${what}: ${JSON.stringify(outcome)}`);
}

describe("Reliability and privacy in the VS Code extension host", function () {
    this.timeout(90_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-reliability-ext-"));
    let originalPairs: unknown[];

    before(async function () {
        this.timeout(180_000);
        const extension = vscode.extensions.all.find((candidate) => candidate.packageJSON?.name === "specula");
        assert.ok(extension);
        api = (await extension.activate()) as SpeculaTestApi;
        const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
        for (const [key, value] of Object.entries(userSettings(workspace)))
            await setUser(key.replace(/^specula\./, ""), value);
        await waitForState(api, readyWith(fixturePair), "the fixture pair to load", 170_000);
        originalPairs = specula().inspect("modelPairs")?.globalValue as unknown[];
    });

    beforeEach(async () => {
        // Every test starts from the fixture pair, ready.
        await waitForState(api, readyWith(fixturePair), "the fixture pair before the test");
    });
    afterEach(async () => {
        await restorePairs(originalPairs);
    });
    after(async () => {
        await vscode.commands.executeCommand("workbench.action.closeAllEditors");
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("hostile model files: one error naming each, the host carries on, completions resume with a good pair", async () => {
        const ready = api.engineState();
        assert.ok(ready.kind === "ready");
        const target = fs.readFileSync(ready.info.targetPath);
        const write = (name: string, data: Uint8Array) => {
            const file = path.join(scratch, name);
            fs.writeFileSync(file, data);
            return file;
        };
        const dims = tensorDimsOffset(target, "output.weight");
        const withDims = (outer: bigint) => {
            const copy = Buffer.from(target);
            copy.writeBigUInt64LE(outer, dims + 8);
            return copy;
        };
        const rows = Number(target.readBigUInt64LE(dims));
        const columns = Math.ceil((os.totalmem() * 2.5) / (rows * 4));
        const huge = write("too-big-for-memory.gguf", withDims(BigInt(columns)));
        fs.truncateSync(huge, target.length + rows * columns * 4); // sparse: no disk used
        const directory = path.join(scratch, "folder.gguf");
        fs.mkdirSync(directory);
        const hostile: Array<[name: string, file: string, expected: RegExp]> = [
            ["empty file", write("empty.gguf", new Uint8Array(0)), /is empty/],
            ["text file", write("readme.gguf", Buffer.from("# not a model\n")), /not a GGUF file/],
            ["wrong magic", write("magic.gguf", Buffer.concat([Buffer.from("GGML"), target.subarray(4)])), /wrong magic/],
            ["wrong version", write("version.gguf", (() => { const copy = Buffer.from(target); copy.writeUInt32LE(99, 4); return copy; })()), /version 99/],
            ["truncated header", write("cut-header.gguf", target.subarray(0, 200)), /truncated|corrupt/],
            ["truncated data", write("cut-data.gguf", target.subarray(0, target.length - 1000)), /truncated|corrupt/],
            ["absurd dimension", write("dimension.gguf", withDims(1n << 62n)), /invalid dimension/],
            ["directory", directory, /is a directory/],
            ["missing path", path.join(scratch, "missing.gguf"), /does not exist/],
            ["character device", "/dev/zero", /not a regular file/],
            ["too big for memory (sparse)", huge, /needs about [\d.]+ GiB of RAM.* has [\d.]+ GiB/]
        ];
        const pairs = hostile.map(([name, file], index) => ({ name: `Hostile ${index}: ${name}`, target: file, draft: "fixture:smallDraft" }));
        await setUser("modelPairs", [...originalPairs, ...pairs]);
        await waitForState(api, readyWith(fixturePair), "the fixture pair after adding pairs");
        const pid = api.enginePid();
        for (const [index, [name, file, expected]] of hostile.entries()) {
            await vscode.commands.executeCommand("specula.selectModelPair", pairs[index]!.name);
            const state = await waitForState(api, (candidate) => candidate.kind === "error" && candidate.pair?.name === pairs[index]!.name, `an error for ${name}`);
            assert.ok(state.kind === "error");
            assert.ok(state.message.includes(file), `${name}: the message names the file: ${state.message}`);
            assert.match(state.message, expected, name);
            assert.ok(!state.message.includes("\n"), `${name}: one line`);
            assert.equal(api.status().kind, "error");
            const { document, position } = await codeDocument("function f() {\n    return ");
            assert.equal(await requestCompletion(api, document, position), undefined, "no completion without a loaded pair");
        }
        assert.equal(api.enginePid(), pid, "no hostile file took the engine process down");
        await vscode.commands.executeCommand("specula.selectModelPair", fixturePair);
        await waitForState(api, readyWith(fixturePair), "the fixture pair again");
        const { document, position } = await codeDocument("function compute(value: number) {\n    return ");
        await requestCompletion(api, document, position);
        assert.equal(api.lastOutcome()?.kind, "suggestion", "completions resume");
        console.log(`      ${hostile.length} hostile files: ${hostile.length} error states naming the file, engine pid unchanged, completions resumed`);
    });

    it("an engine process that dies while loading (a native abort) is replaced when a good pair is selected", async () => {
        // A pinned checksum over a large sparse file keeps the host busy long enough to kill it mid-load.
        const slow = path.join(scratch, "slow-to-verify.gguf");
        fs.writeFileSync(slow, "");
        fs.truncateSync(slow, 6 * 2 ** 30);
        await setUser("modelPairs", [...originalPairs, { name: "Dies while loading", target: slow, targetSha256: "a".repeat(64), draft: "fixture:smallDraft" }]);
        await waitForState(api, readyWith(fixturePair), "the fixture pair after adding the pair");
        await vscode.commands.executeCommand("specula.selectModelPair", "Dies while loading");
        await waitForState(api, (state) => state.kind === "loading" && state.pair.name === "Dies while loading", "loading");
        await sleep(300);
        const pid = api.enginePid()!;
        process.kill(pid, "SIGABRT");
        const state = await waitForState(api, (candidate) => candidate.kind === "error", "an error after the abort");
        assert.ok(state.kind === "error");
        assert.match(state.message, /killed by SIGABRT while loading/);
        const { document, position } = await codeDocument("let total = 0;\nfor (const item of items) {\n    total += ");
        assert.equal(await requestCompletion(api, document, position), undefined);
        await vscode.commands.executeCommand("specula.selectModelPair", fixturePair);
        await waitForState(api, readyWith(fixturePair), "the fixture pair in a new process");
        assert.notEqual(api.enginePid(), pid);
        await requestCompletion(api, document, position);
        assert.equal(api.lastOutcome()?.kind, "suggestion", "completions resume");
        await setUser("modelPairs", originalPairs);
        await waitForState(api, readyWith(fixturePair), "the fixture pair");
        console.log(`      engine pid ${pid} aborted while loading → error "${state.message.slice(0, 80)}…"; new pid ${api.enginePid()} completes`);
    });

    it("a local file whose SHA-256 does not match its pin is never loaded; the matching pin loads", async () => {
        const ready = api.engineState();
        assert.ok(ready.kind === "ready");
        const copy = path.join(scratch, "pinned-target.gguf");
        fs.copyFileSync(ready.info.targetPath, copy);
        const actual = crypto.createHash("sha256").update(fs.readFileSync(copy)).digest("hex");
        await setUser("modelPairs", [...originalPairs,
            { name: "Pinned, wrong", target: copy, targetSha256: "0".repeat(64), draft: "fixture:smallDraft" },
            { name: "Pinned, right", target: copy, targetSha256: actual, draft: "fixture:smallDraft" }]);
        await waitForState(api, readyWith(fixturePair), "the fixture pair after adding pairs");
        await vscode.commands.executeCommand("specula.selectModelPair", "Pinned, wrong");
        const state = await waitForState(api, (candidate) => candidate.kind === "error", "a checksum error");
        assert.ok(state.kind === "error");
        assert.match(state.message, new RegExp(`has SHA-256 ${actual}, not the pinned 0{64}`));
        assert.ok(fs.existsSync(copy), "a local file is reported, not deleted");
        await vscode.commands.executeCommand("specula.selectModelPair", "Pinned, right");
        const loaded = await waitForState(api, readyWith("Pinned, right"), "the correctly pinned pair");
        assert.ok(loaded.kind === "ready" && loaded.info.targetPath === copy);
        await vscode.commands.executeCommand("specula.selectModelPair", fixturePair);
        await setUser("modelPairs", originalPairs);
        await waitForState(api, readyWith(fixturePair), "the fixture pair");
        console.log("      wrong pin: error state, never loaded; right pin: loaded");
    });

    it("awkward documents: never blocks the UI thread 50 ms, prompt within budget, ghost text keeps characters whole", async function () {
        this.timeout(240_000);
        const workspace = vscode.workspace.workspaceFolders![0]!.uri;
        const binaryUri = vscode.Uri.joinPath(workspace, "blob.bin");
        const bytes = crypto.randomBytes(64 * 1024);
        await vscode.workspace.fs.writeFile(binaryUri, bytes);
        // The API refuses files it detects as binary; the editor's "open anyway" shows them decoded
        // as UTF-8 (NULs, control characters, U+FFFD), which is what an untitled copy holds.
        const opened = await Promise.resolve(vscode.workspace.openTextDocument(binaryUri)).catch(() => vscode.workspace.openTextDocument({ content: bytes.toString("utf8") }));
        const binary = await vscode.languages.setTextDocumentLanguage(opened, "javascript");
        const huge = await vscode.workspace.openTextDocument({ language: "javascript", content: `var data = [${"1234567,".repeat(640_000)}];` });
        const cases: Array<[name: string, document: vscode.TextDocument, offset: (text: string) => number]> = [
            ["5 MB single line, cursor at the end", huge, (text) => text.length - 2],
            ["5 MB single line, cursor in the middle", huge, (text) => Math.floor(text.length / 2)],
            ["binary file opened as text", binary, (text) => Math.floor(text.length / 2)],
            ["empty file", await vscode.workspace.openTextDocument({ language: "typescript", content: "" }), () => 0],
            ["cursor at offset 0", await vscode.workspace.openTextDocument({ language: "typescript", content: "export const answer = 42;\n" }), () => 0],
            ["cursor at the end", await vscode.workspace.openTextDocument({ language: "typescript", content: "export function add(a: number, b: number) {\n    return " }), (text) => text.length],
            ["CRLF line endings", await vscode.workspace.openTextDocument({ language: "typescript", content: "function f() {\r\n    const a = 1;\r\n" }), (text) => text.length],
            ["tab indentation", await vscode.workspace.openTextDocument({ language: "typescript", content: "class A {\n\tmethod() {\n\t\t" }), (text) => text.length],
            ["space indentation", await vscode.workspace.openTextDocument({ language: "typescript", content: "class A {\n  method() {\n    " }), (text) => text.length],
            ["astral characters at the cursor", await vscode.workspace.openTextDocument({ language: "typescript", content: "const emoji = \"😀𝔘" }), (text) => text.length],
            ["combining marks at the cursor", await vscode.workspace.openTextDocument({ language: "typescript", content: "const word = \"cafe\u0301" }), (text) => text.length],
            ["astral characters after the cursor", await vscode.workspace.openTextDocument({ language: "typescript", content: "const emoji = \"😀👩\u200d💻\";\n" }), (text) => text.indexOf("😀")]
        ];
        // How long the UI thread is blocked with nothing of ours running (code-server, the browser
        // and the engine share two CPUs here): the event-loop monitor's figures include this noise.
        const idle = monitorEventLoopDelay({ resolution: 5 });
        idle.enable();
        await sleep(300);
        idle.disable();
        const idleBlockMs = Math.max(0, idle.max / 1e6 - 5);
        // The provider's own synchronous time: the call until it returns its promise, plus the
        // continuation from the engine's answer until the items are returned.
        const provider = api.provider as unknown as { deps: { controller: { complete: (...args: unknown[]) => Promise<unknown> } }; pipeline: { clear(): void } };
        const controller = provider.deps.controller;
        const originalComplete = controller.complete;
        // When each generating engine call (not a warm-up) started and was answered.
        const calls: Array<{ startedAt: number; answeredAt?: number }> = [];
        controller.complete = async (...args: unknown[]) => {
            const call: { startedAt: number; answeredAt?: number } = { startedAt: performance.now() };
            if ((args[0] as { prefillOnly?: boolean }).prefillOnly !== true)
                calls.push(call);
            const result = await originalComplete.apply(controller, args);
            call.answeredAt = performance.now();
            return result;
        };
        const contextSize = specula().get<number>("contextSize")!;
        const maxTokens = specula().get<number>("maxTokens")!;
        const rows: string[] = [];
        let worstUiMs = 0;
        try {
            for (const [name, document, offsetOf] of cases) {
                if (name === "CRLF line endings") {
                    await vscode.window.showTextDocument(document);
                    await vscode.commands.executeCommand("workbench.action.files.setActiveEditorEndOfLine", "crlf").then(undefined, () => undefined);
                }
                const text = document.getText();
                const position = document.positionAt(offsetOf(text));
                // Three tries (the cache cleared in between): a real synchronous cost shows in every try,
                // a pause of the whole process (another process on the CPU, a GC) only in some.
                const uiMs: number[] = [];
                let items: vscode.InlineCompletionItem[] | undefined;
                const monitor = monitorEventLoopDelay({ resolution: 5 });
                monitor.enable();
                for (let attempt = 0; attempt < 3; attempt++) {
                    provider.pipeline.clear();
                    const started = performance.now();
                    const pending = requestCompletion(api, document, position);
                    const synchronousMs = performance.now() - started;
                    items = await pending;
                    // The request's own generation: the first one started after the request. If it was
                    // answered before the items came back, the time in between was ours.
                    const own = calls.find((call) => call.startedAt >= started);
                    const continuationMs = own?.answeredAt != null ? performance.now() - own.answeredAt : 0;
                    uiMs.push(synchronousMs + continuationMs);
                }
                monitor.disable();
                // Largest delay of a timer due every 5 ms: the whole process's pauses, for the record.
                const blockedMs = Math.max(0, monitor.max / 1e6 - 5);
                const outcome = api.lastOutcome() as CompletionOutcome;
                worstUiMs = Math.max(worstUiMs, Math.min(...uiMs));
                assertAnswered(outcome, name);
                assert.ok(outcome.kind === "suggestion" || outcome.kind === "empty", `${name}: outcome ${JSON.stringify(outcome)}`);
                await api.provider.whenIdle();
                const stats = api.provider.lastGeneration?.stats;
                assert.ok(stats != null, `${name}: a generation ran`);
                assert.ok(stats.promptTokens + maxTokens <= contextSize, `${name}: ${stats.promptTokens} prompt tokens + ${maxTokens} exceed the context of ${contextSize}`);
                // A suggestion comes as exactly one item, an empty outcome as none: the checks below see
                // every item there is.
                assert.equal(items?.length ?? 0, outcome.kind === "suggestion" ? 1 : 0, `${name}: items for a "${outcome.kind}" outcome`);
                for (const item of items ?? []) {
                    const ghost = itemText(item);
                    assert.ok(item.range?.isEmpty && item.range.start.isEqual(position), `${name}: inserted at the cursor`);
                    assert.doesNotMatch(ghost, loneSurrogate, `${name}: half a surrogate pair in ${JSON.stringify(ghost)}`);
                    if (document.eol === vscode.EndOfLine.CRLF)
                        assert.doesNotMatch(ghost, /\r(?!\n)|(?<!\r)\n/, `${name}: bare CR or LF in a CRLF document`);
                    const before = text.slice(0, document.offsetAt(position));
                    assert.ok(!(/[\uD800-\uDBFF]$/.test(before) && /^[\uDC00-\uDFFF]/.test(ghost)), `${name}: ghost text completes a split pair`);
                }
                rows.push(`${name}: provider on the UI thread ${uiMs.map((ms) => ms.toFixed(1)).join(" / ")} ms, event-loop max ${blockedMs.toFixed(0)} ms, prompt ${stats?.promptTokens ?? "-"} tokens, ${outcome.kind}`);
                assert.ok(Math.min(...uiMs) < 50, `${name}: the provider held the UI thread ${uiMs.map((ms) => ms.toFixed(1)).join(" / ")} ms`);
            }
        } finally {
            controller.complete = originalComplete;
        }
        for (const row of rows)
            console.log(`      ${row}`);
        console.log(`      ${cases.length} documents × 3 requests: provider's UI-thread time at most ${worstUiMs.toFixed(1)} ms (limit 50); idle event-loop max before the requests ${idleBlockMs.toFixed(0)} ms`);
        await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("two editors requesting at once: neither gets the other's text, and the later one is answered", async () => {
        const contents = ["function square(x: number) {\n    return ", "const names = items.map((item) => "];
        const first = await Promise.all(contents.map((content) => vscode.workspace.openTextDocument({ language: "typescript", content })));
        await vscode.window.showTextDocument(first[0]!, vscode.ViewColumn.One);
        await vscode.window.showTextDocument(first[1]!, vscode.ViewColumn.Two);
        const ends = first.map((document) => document.positionAt(document.getText().length));
        const together = await Promise.all(first.map((document, index) => requestCompletion(api, document, ends[index]!)));
        // The same documents once more (fresh ones, so nothing comes from the cache), one at a time.
        const alone: Array<string | undefined> = [];
        for (const content of contents) {
            const document = await vscode.workspace.openTextDocument({ language: "typescript", content });
            const items = await requestCompletion(api, document, document.positionAt(content.length));
            assert.equal(api.lastOutcome()?.kind, "suggestion");
            alone.push(items?.[0] != null ? itemText(items[0]) : undefined);
        }
        // The engine serves one place at a time: the later request stops the earlier one's generation
        // (the user is typing there now), so the earlier may get nothing — but never the other's text.
        const answers = together.map((items) => (items?.[0] != null ? itemText(items[0]) : undefined));
        assert.notEqual(alone[0], alone[1]);
        assert.equal(answers[1], alone[1], "the later request gets its own document's completion");
        assert.ok(answers[0] === undefined || answers[0] === alone[0], `the earlier request got ${JSON.stringify(answers[0])}`);
        console.log(`      concurrent: ${JSON.stringify(answers)}; one at a time: ${JSON.stringify(alone)}`);
        await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("a settings change while generating: decoding settings let it finish, model settings stop it and reload", async () => {
        await setUser("maxTokens", 1024);
        try {
            const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "// a long explanation of the algorithm: " });
            const position = document.positionAt(document.getText().length);
            const pending = requestCompletion(api, document, position);
            await sleep(100);
            await setUser("draftMax", 2);
            await pending;
            const kept = api.lastOutcome();
            assert.ok(kept?.kind === "suggestion" || kept?.kind === "empty", `a decoding change does not cancel: ${JSON.stringify(kept?.kind)}`);

            // Sampled text does not repeat (a repeated line is settled and stops early), and up to 200
            // lines keep the block decoding in the background (1 024 tokens take seconds) after its
            // first line may have been shown: the model change must stop that generation.
            await setUser("temperature", 1);
            await setUser("maxLines", 200);
            const second = await vscode.workspace.openTextDocument({ language: "typescript", content: "// another long explanation, generating when the context changes: " });
            const running = requestCompletion(api, second, second.positionAt(second.getText().length));
            await sleep(150);
            const started = Date.now();
            await setUser("contextSize", 1024);
            await running;
            const interrupted = api.lastOutcome();
            assert.ok(interrupted?.kind === "canceled" || interrupted?.kind === "suggestion", `outcome ${JSON.stringify(interrupted)}`);
            await api.provider.whenIdle();
            const stoppedMs = Date.now() - started;
            assert.ok(stoppedMs < 1500, `stopped ${stoppedMs} ms after the change`);
            const reloaded = await waitForState(api, (state) => state.kind === "ready" && state.info.contextSize === 1024, "reload with context 1024");
            assert.ok(reloaded.kind === "ready");
            await setUser("maxTokens", 48);
            await setUser("temperature", undefined);
            const third = await vscode.workspace.openTextDocument({ language: "typescript", content: "function double(x: number) {\n    return " });
            await requestCompletion(api, third, third.positionAt(third.getText().length));
            assert.equal(api.lastOutcome()?.kind, "suggestion", "completions continue after the reload");
            console.log(`      draftMax change: generation finished (${kept.kind}); contextSize change: request ${interrupted.kind}, generation stopped in ${stoppedMs} ms, reloaded, completions continue`);
        } finally {
            await setUser("maxTokens", undefined);
            await setUser("temperature", undefined);
            await setUser("maxLines", undefined);
            await setUser("draftMax", undefined);
            await setUser("contextSize", 2048);
            await waitForState(api, (state) => state.kind === "ready" && state.info.contextSize === 2048, "context 2048 again");
        }
    });

    it("prompts and completions reach no log or storage file unless specula.debug.logPrompts is on", async () => {
        const storage = api.storagePaths;
        // The window's log folder holds every log of this window (the extension host's, Specula's
        // output channel, the engine's lines forwarded there).
        let logRoot = storage.log;
        while (!/^exthost/.test(path.basename(logRoot)) && path.dirname(logRoot) !== logRoot)
            logRoot = path.dirname(logRoot);
        logRoot = path.dirname(logRoot) === logRoot ? path.dirname(storage.log) : path.dirname(logRoot);
        assert.ok(logRoot.length > 10 && logRoot !== os.tmpdir(), `log folder ${logRoot} from ${storage.log}`);
        const roots = [logRoot, storage.global, ...(storage.workspace != null ? [storage.workspace] : []), path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, ".vscode")];
        const scan = (marker: string) => roots.flatMap(filesUnder).filter((file) => {
            const stat = fs.statSync(file);
            return stat.size < 64 * 2 ** 20 && fs.readFileSync(file, "latin1").includes(marker);
        });
        const complete = async (marker: string) => {
            for (const content of [`// ${marker}\nfunction handle(${marker}: string) {\n    return `, `const ${marker}_total = items.length;\nexport const ${marker}_half = `]) {
                const document = await vscode.workspace.openTextDocument({ language: "typescript", content });
                await requestCompletion(api, document, document.positionAt(content.length));
                assertAnswered(api.lastOutcome(), "privacy request");
            }
        };

        assert.equal(specula().get("debug.logPrompts"), false);
        const secret = `specula_secret_${crypto.randomBytes(6).toString("hex")}`;
        await complete(secret);
        await sleep(2000); // log writes are buffered
        const leaked = scan(secret);
        assert.deepEqual(leaked, [], "document text written to disk");

        // Control: with the debug setting on, the same scan finds the prompt in Specula's log.
        const logged = `specula_logged_${crypto.randomBytes(6).toString("hex")}`;
        await setUser("debug.logPrompts", true);
        try {
            await complete(logged);
            let found: string[] = [];
            for (let waited = 0; waited < 10_000 && found.length === 0; waited += 250) {
                await sleep(250);
                found = scan(logged);
            }
            assert.ok(found.length > 0, "with logPrompts on the prompt is in the log (the scan can find it)");
            console.log(`      ${roots.map(filesUnder).flat().length} files under the log and storage folders: marker found in 0 with logPrompts off, in ${found.length} (${found.map((file) => path.basename(file)).join(", ")}) with it on`);
        } finally {
            await setUser("debug.logPrompts", false);
        }
        assert.deepEqual(scan(secret), [], "still nothing of the first marker");
    });
});

async function codeDocument(content: string): Promise<{ document: vscode.TextDocument; position: vscode.Position }> {
    const document = await vscode.workspace.openTextDocument({ language: "typescript", content });
    return { document, position: document.positionAt(content.length) };
}
