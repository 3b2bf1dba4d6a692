// The extension in a real VS Code extension host, with the real engine process and the generated
// fixture pair: activation, every command, settings taking effect, completions, cancellation,
// crashes, downloads, and workspace settings that must not configure models.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { SpeculaTestApi } from "../../src/extension";
import type { BackendState } from "../../src/vscode/BackendState";
import { itemText, readyWith, requestCompletion, setUser, sleep, specula, waitForState } from "./extensionHostHelpers";
import { brokenModelFile, brokenPair, fixturePair, hostileWorkspaceSettings, incompatiblePair, userSettings } from "./suiteSetup";

let api: SpeculaTestApi;

/** Records every state the controller passes through until `stop()` is called. */
function recordStates(): { states: BackendState["kind"][]; stop(): void } {
    const states: BackendState["kind"][] = [];
    const subscription = api.onDidChangeState((state) => states.push(state.kind));
    return { states, stop: () => subscription.dispose() };
}

async function sampleDocument(): Promise<{ document: vscode.TextDocument; position: vscode.Position }> {
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, "sample.ts"));
    // Inside `greet`, on the indented empty line.
    return { document, position: new vscode.Position(5, 4) };
}

describe("Specula in the VS Code extension host", function () {
    this.timeout(60_000);

    before(async function () {
        this.timeout(180_000);
        const extension = vscode.extensions.all.find((candidate) => candidate.packageJSON?.name === "specula");
        assert.ok(extension, "the extension under development is installed");
        api = (await extension.activate()) as SpeculaTestApi;
        // In a remote window (code-server, Remote-SSH) machine-scoped settings come from the remote
        // machine's settings, not from the user settings file the launcher wrote: set them here.
        const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
        for (const [key, value] of Object.entries(userSettings(workspace)))
            await setUser(key.replace(/^specula\./, ""), value);
        await waitForState(api, readyWith(fixturePair), "the fixture pair to load", 170_000);
    });

    describe("activation and settings", () => {
        it("activates on startup and registers every command in the palette", async () => {
            const extension = vscode.extensions.all.find((candidate) => candidate.packageJSON?.name === "specula")!;
            assert.equal(extension.isActive, true);
            assert.deepEqual(extension.packageJSON.activationEvents, ["onStartupFinished"]);
            const registered = new Set(await vscode.commands.getCommands(true));
            const contributed = (extension.packageJSON.contributes.commands as { command: string; category: string }[]);
            assert.ok(contributed.length >= 8);
            for (const command of contributed) {
                assert.ok(registered.has(command.command), `${command.command} is registered`);
                assert.equal(command.category, "Specula");
            }
        });

        it("ignores model settings from the workspace's .vscode/settings.json", () => {
            const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
            const onDisk = JSON.parse(fs.readFileSync(path.join(folder, ".vscode", "settings.json"), "utf8")) as Record<string, unknown>;
            assert.deepEqual(onDisk, hostileWorkspaceSettings, "the workspace does try (the test is meaningful)");
            for (const [key, value] of Object.entries(hostileWorkspaceSettings))
                assert.notDeepEqual(specula().get(key.replace(/^specula\./, "")), value, `${key} from the workspace is not in effect`);
            const state = api.engineState();
            assert.ok(state.kind === "ready");
            assert.equal(state.pair.name, fixturePair);
            assert.equal(state.info.contextSize, 2048);
            assert.ok(!state.info.targetPath.includes("passwd"));
        });

        it("shows the ready state with speculation in the status bar", () => {
            const status = api.status();
            assert.equal(status.kind, "ready");
            assert.match(status.text, /^\$\(zap\) Specula/);
            assert.match(status.tooltip, /Specula fixture target/);
        });
    });

    describe("completions", () => {
        it("returns a cleaned single item at the cursor and never edits the document", async () => {
            const { document, position } = await sampleDocument();
            const before = document.getText();
            const items = await requestCompletion(api, document, position);
            const outcome = api.lastOutcome();
            assert.ok(outcome?.kind === "suggestion", `outcome ${JSON.stringify(outcome)}`);
            assert.equal(items?.length, 1);
            const item = items![0]!;
            assert.ok(item.range?.isEmpty && item.range.start.isEqual(position));
            assert.equal(itemText(item), outcome.text);
            assert.ok(!/<\|fim_|<\/s>/.test(outcome.text), "no leaked special tokens");
            assert.equal(item.command?.command, "specula.completionAccepted");
            assert.equal(document.getText(), before);
            assert.equal(document.isDirty, false);
        });

        it("produces ghost text for code and counts drafted tokens (acceptance shows in the status bar)", async () => {
            const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "function compute(value: number) {\n    const result = value * 2;\n    return " });
            const position = document.positionAt(document.getText().length);
            const items = await requestCompletion(api, document, position);
            const outcome = api.lastOutcome();
            assert.equal(outcome?.kind, "suggestion", `outcome ${JSON.stringify(outcome)}`);
            assert.ok(items != null && items.length === 1 && itemText(items[0]!).length > 0);
            await api.provider.whenIdle();
            assert.ok((api.provider.lastGeneration?.stats.draftedTokens ?? 0) > 0, "the draft proposed tokens");
            assert.match(api.status().text, /^\$\(zap\) Specula \d+%$/);
            assert.match(api.status().tooltip, /Tokens per target eval/);
            assert.match(api.status().tooltip, /tok\/s/);
        });

        it("warms the prompt when a file comes to the front, so the first request only processes the last token", async () => {
            const content = `// warm-up ${Date.now()}\nexport function area(width: number, height: number) {\n    return `;
            const document = await vscode.workspace.openTextDocument({ language: "typescript", content });
            const previous = api.provider.lastWarmUp;
            const editor = await vscode.window.showTextDocument(document);
            const end = document.positionAt(content.length);
            editor.selection = new vscode.Selection(end, end);
            const deadline = Date.now() + 20_000;
            while (api.provider.lastWarmUp === previous && Date.now() < deadline)
                await sleep(50);
            const warm = api.provider.lastWarmUp;
            assert.ok(warm != null && warm !== previous, "a warm-up ran after the editor changed");
            assert.equal(warm.generatedTokens, 0);
            await requestCompletion(api, document, end);
            assert.equal(api.lastOutcome()?.kind, "suggestion", `outcome ${JSON.stringify(api.lastOutcome())}`);
            await api.provider.whenIdle();
            const stats = api.provider.lastGeneration?.stats;
            assert.ok(stats != null);
            assert.equal(stats.promptTokens, warm.promptTokens, "the warm-up built the same prompt");
            assert.equal(stats.reusedPromptTokens, stats.promptTokens - 1);
            await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
        });

        it("serves the rest of a suggestion from the cache while the user types through it", async () => {
            // A spot where the fixture pair writes a long first line (its text depends on the last two bytes).
            const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "let total = 0;\nexport function " });
            const position = document.positionAt(document.getText().length);
            await requestCompletion(api, document, position);
            const first = api.lastOutcome();
            assert.ok(first?.kind === "suggestion", `outcome ${JSON.stringify(first)}`);
            assert.ok(first.text.length >= 2);
            const edit = new vscode.WorkspaceEdit();
            edit.insert(document.uri, position, first.text[0]!);
            assert.ok(await vscode.workspace.applyEdit(edit));
            const items = await requestCompletion(api, document, position.translate(0, 1));
            const second = api.lastOutcome();
            assert.ok(second?.kind === "suggestion" && second.source !== "new", `served without a new generation: ${JSON.stringify(second)}`);
            assert.equal(itemText(items![0]!), first.text.slice(1));
        });

        it("is off for plaintext by default and for any language the map turns off", async () => {
            const folder = vscode.workspace.workspaceFolders![0]!.uri;
            const notes = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, "notes.txt"));
            assert.equal(notes.languageId, "plaintext");
            assert.equal(await requestCompletion(api, notes, new vscode.Position(1, 0)), undefined);
            assert.deepEqual(api.lastOutcome(), { kind: "empty", reason: "skipped" });
            await setUser("languages", { typescript: false });
            try {
                const { document, position } = await sampleDocument();
                assert.equal(await requestCompletion(api, document, position), undefined);
                assert.deepEqual(api.lastOutcome(), { kind: "empty", reason: "skipped" });
            } finally {
                await setUser("languages", undefined);
            }
        });

        it("handles a 5 MB single-line file, CRLF line endings and astral characters at the cursor", async () => {
            const huge = await vscode.workspace.openTextDocument({ language: "javascript", content: `var data = [${"1234567,".repeat(640_000)}` });
            assert.ok(huge.getText().length > 5_000_000);
            const started = Date.now();
            await requestCompletion(api, huge, huge.positionAt(huge.getText().length));
            const elapsed = Date.now() - started;
            const outcome = api.lastOutcome();
            assert.ok(outcome?.kind === "suggestion" || outcome?.kind === "empty", `outcome ${JSON.stringify(outcome?.kind)}`);
            await api.provider.whenIdle();
            const stats = api.provider.lastGeneration?.stats;
            assert.ok(stats != null && stats.promptTokens <= 2048, `prompt of ${stats?.promptTokens} tokens fits the context`);
            const engineMs = stats.totalMs;
            console.log(`      5 MB line: request took ${elapsed} ms, of which the engine ${Math.round(engineMs)} ms`);
            assert.ok(elapsed - engineMs < 1000, "cutting the prompt window does not scale with the file");

            const crlf = await vscode.workspace.openTextDocument({ language: "typescript", content: "function f() {\r\n    const a = 1;\r\n    return " });
            await vscode.window.showTextDocument(crlf);
            await vscode.commands.executeCommand("workbench.action.files.setActiveEditorEndOfLine", "crlf").then(undefined, () => undefined);
            const crlfItems = await requestCompletion(api, crlf, crlf.positionAt(crlf.getText().length));
            assert.equal(crlfItems?.length ?? 0, api.lastOutcome()?.kind === "suggestion" ? 1 : 0, `CRLF: items for ${JSON.stringify(api.lastOutcome())}`);
            for (const item of crlfItems ?? [])
                assert.ok(!/(^|[^\r])\n/.test(itemText(item)), "line breaks in a CRLF file are CRLF");

            const astral = await vscode.workspace.openTextDocument({ language: "typescript", content: "const emoji = \"😀e\u0301" });
            const astralItems = await requestCompletion(api, astral, astral.positionAt(astral.getText().length));
            assert.equal(astralItems?.length ?? 0, api.lastOutcome()?.kind === "suggestion" ? 1 : 0, `astral: items for ${JSON.stringify(api.lastOutcome())}`);
            for (const item of astralItems ?? [])
                assert.ok(!/^[\uDC00-\uDFFF]/.test(itemText(item)) && !/[\uD800-\uDBFF]$/.test(itemText(item)), "no split surrogate pair");
            await vscode.commands.executeCommand("workbench.action.closeAllEditors");
        });

        it("cancelling the token returns at once, and the generation stops as soon as a request it cannot serve comes", async () => {
            await setUser("maxTokens", 1024);
            try {
                const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "// a long comment about " });
                const position = document.positionAt(document.getText().length);
                const source = new vscode.CancellationTokenSource();
                const started = Date.now();
                const pending = requestCompletion(api, document, position, source.token);
                // Cancel while the engine decodes: a fixed 150 ms let the fast fixture pair finish all 1024 tokens first.
                while (api.status().kind !== "generating" && Date.now() - started < 5000)
                    await sleep(2);
                assert.equal(api.status().kind, "generating", "the request never reached the engine");
                const cancelledAt = Date.now() - started;
                source.cancel();
                const items = await pending;
                const elapsed = Date.now() - started;
                assert.equal(items, undefined);
                assert.equal(api.lastOutcome()?.kind, "canceled");
                assert.ok(elapsed - cancelledAt < 1500, `returned ${elapsed - cancelledAt} ms after the cancel`);
                // The generation lives on for a request it can serve; one elsewhere stops it and gets the engine at once.
                await setUser("maxTokens", undefined);
                const other = await vscode.workspace.openTextDocument({ language: "typescript", content: "function other() {\n    return " });
                const otherStarted = Date.now();
                const after = await requestCompletion(api, other, other.positionAt(other.getText().length));
                const otherMs = Date.now() - otherStarted;
                assert.equal(after?.length, 1);
                assert.equal(api.lastOutcome()?.kind, "suggestion");
                assert.ok(otherMs < 5000, `the next request waited ${otherMs} ms for the engine`);
            } finally {
                await setUser("maxTokens", undefined);
            }
        });
    });

    describe("commands", () => {
        it("Toggle Speculative Decoding switches to target-only and back, shown in the status bar", async () => {
            const recorder = recordStates();
            await vscode.commands.executeCommand("specula.toggleSpeculative");
            assert.equal(specula().get("speculative"), false);
            await waitForState(api, () => api.status().kind === "speculationOff", "the status bar to say target only", 5000);
            assert.match(api.status().text, /target only/);
            // A place the cache has not seen, so a new generation runs target-only.
            const fresh = await vscode.workspace.openTextDocument({ language: "typescript", content: `// target only ${Date.now()}\nconst value = ` });
            await requestCompletion(api, fresh, fresh.positionAt(fresh.getText().length));
            const outcome = api.lastOutcome();
            assert.ok(outcome?.kind === "suggestion" && outcome.source === "new", `outcome ${JSON.stringify(outcome)}`);
            await api.provider.whenIdle();
            assert.equal(api.provider.lastGeneration?.speculative, false, "target only");
            assert.equal(api.provider.lastGeneration?.stats.draftedTokens, 0, "target only: nothing drafted");
            await vscode.commands.executeCommand("specula.toggleSpeculative");
            assert.equal(specula().get("speculative"), true);
            await waitForState(api, () => api.status().kind === "ready", "speculation on again", 5000);
            assert.match(api.status().text, /^\$\(zap\) Specula/);
            recorder.stop();
            assert.ok(!recorder.states.includes("loading"), "toggling speculation does not reload models");
        });

        it("Toggle Inline Completions turns completions off and on", async () => {
            await vscode.commands.executeCommand("specula.toggleCompletions");
            await waitForState(api, (state) => state.kind === "disabled", "disabled");
            assert.equal(api.status().kind, "disabled");
            assert.match(api.status().text, /circle-slash/);
            const { document, position } = await sampleDocument();
            assert.equal(await requestCompletion(api, document, position), undefined);
            assert.deepEqual(api.lastOutcome(), { kind: "empty", reason: "skipped" });
            await vscode.commands.executeCommand("specula.toggleCompletions");
            await waitForState(api, readyWith(fixturePair), "ready again");
        });

        it("turning completions off while generating stops the generation", async () => {
            await setUser("maxTokens", 1024);
            // Sampled text does not repeat (a repeated line is settled and stops early), and up to 200
            // lines keep the block decoding in the background (1 024 tokens take seconds) after its
            // first line may have been shown: turning completions off must stop that generation.
            await setUser("temperature", 1);
            await setUser("maxLines", 200);
            try {
                const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "// still generating when switched off: " });
                const pending = requestCompletion(api, document, document.positionAt(document.getText().length));
                await sleep(200);
                const started = Date.now();
                await vscode.commands.executeCommand("specula.toggleCompletions");
                await pending;
                const interrupted = api.lastOutcome();
                assert.ok(interrupted?.kind === "canceled" || interrupted?.kind === "suggestion", `outcome ${JSON.stringify(interrupted)}`);
                await api.provider.whenIdle();
                assert.ok(Date.now() - started < 1500, `stopped ${Date.now() - started} ms after the toggle`);
            } finally {
                await setUser("maxTokens", undefined);
                await setUser("temperature", undefined);
                await setUser("maxLines", undefined);
                if (specula().get("enable") === false)
                    await vscode.commands.executeCommand("specula.toggleCompletions");
                await waitForState(api, readyWith(fixturePair), "ready again");
            }
        });

        it("Select Model Pair reloads; an incompatible draft turns speculation off with the reason", async () => {
            const recorder = recordStates();
            await vscode.commands.executeCommand("specula.selectModelPair", incompatiblePair);
            const state = await waitForState(api, readyWith(incompatiblePair), "the incompatible pair to load");
            recorder.stop();
            assert.ok(recorder.states.includes("loading"), "switching pair reloads the models");
            assert.ok(state.kind === "ready" && !state.info.speculationAvailable);
            assert.equal(api.status().kind, "speculationOff");
            assert.match(api.status().tooltip, /unavailable/);
            const { document, position } = await sampleDocument();
            await requestCompletion(api, document, position);
            assert.notEqual(api.lastOutcome()?.kind, "error", "completions continue target-only");
            await vscode.commands.executeCommand("specula.selectModelPair", fixturePair);
            await waitForState(api, readyWith(fixturePair), "the fixture pair again");
        });

        it("a bad model file gives one clear error naming it; the extension host carries on", async () => {
            await vscode.commands.executeCommand("specula.selectModelPair", brokenPair);
            const state = await waitForState(api, (candidate) => candidate.kind === "error", "an error state");
            assert.ok(state.kind === "error");
            assert.match(state.message, new RegExp(brokenModelFile.replace(".", "\\.")));
            assert.equal(api.status().kind, "error");
            const { document, position } = await sampleDocument();
            assert.equal(await requestCompletion(api, document, position), undefined);
            await vscode.commands.executeCommand("specula.selectModelPair", fixturePair);
            await waitForState(api, readyWith(fixturePair), "the fixture pair again");
        });

        it("Restart Engine replaces the engine process and reloads the pair", async () => {
            const before = api.enginePid();
            assert.ok(before != null);
            await vscode.commands.executeCommand("specula.restartEngine");
            await waitForState(api, readyWith(fixturePair), "ready after restart");
            assert.notEqual(api.enginePid(), before);
            assert.throws(() => process.kill(before, 0), { code: "ESRCH" }, "the old process is gone");
        });

        it("Show Statistics opens the webview; Open Log and the status bar menu's command exist", async () => {
            await vscode.commands.executeCommand("specula.showStatistics");
            assert.equal(api.statisticsVisible(), true);
            await vscode.commands.executeCommand("specula.openLog");
            await vscode.commands.executeCommand("workbench.action.closeAllEditors");
        });

        it("Download Models fetches a loopback-served pair into the model folder, then loads it", async () => {
            const ready = api.engineState();
            assert.ok(ready.kind === "ready");
            const files = new Map([
                ["/target.gguf", fs.readFileSync(ready.info.targetPath)],
                ["/draft.gguf", fs.readFileSync(ready.info.draftPath!)]
            ]);
            const server = http.createServer((request, response) => {
                const data = files.get(request.url ?? "");
                if (data == null) {
                    response.writeHead(404).end();
                    return;
                }
                // The downloader fetches large files in ranged chunks, as model hosts allow.
                const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
                const start = range != null ? Number(range[1]) : 0;
                const end = range != null && range[2] !== "" ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
                response.writeHead(range != null ? 206 : 200, {
                    "content-length": end - start + 1,
                    "accept-ranges": "bytes",
                    "content-type": "application/octet-stream",
                    ...(range != null ? { "content-range": `bytes ${start}-${end}/${data.length}` } : {})
                });
                response.end(request.method === "HEAD" ? undefined : data.subarray(start, end + 1));
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
            const modelDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "specula-downloads-"));
            const originalPairs = specula().inspect("modelPairs")?.globalValue as unknown[];
            try {
                await setUser("modelDirectory", modelDirectory);
                await setUser("modelPairs", [...originalPairs, { name: "Loopback pair", target: `${base}/target.gguf`, draft: `${base}/draft.gguf` }]);
                await vscode.commands.executeCommand("specula.selectModelPair", "Loopback pair");
                await waitForState(api, (state) => state.kind === "needsDownload", "needs download");
                assert.equal(api.status().kind, "needsDownload");
                const downloaded = await vscode.commands.executeCommand<boolean>("specula.downloadModels");
                assert.equal(downloaded, true);
                const state = await waitForState(api, readyWith("Loopback pair"), "the downloaded pair to load");
                assert.ok(state.kind === "ready");
                assert.equal(path.dirname(state.info.targetPath), modelDirectory);
                assert.equal(state.info.speculationAvailable, true);
            } finally {
                await vscode.commands.executeCommand("specula.selectModelPair", fixturePair);
                await setUser("modelPairs", originalPairs);
                await setUser("modelDirectory", undefined);
                server.close();
                await waitForState(api, readyWith(fixturePair), "the fixture pair again");
            }
        });
    });

    describe("faults", () => {
        it("a killed engine process restarts, reloads, and completions resume; pending ones resolve empty", async () => {
            await setUser("maxTokens", 1024);
            try {
                const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "// generating for a while: " });
                const before = document.getText();
                const position = document.positionAt(before.length);
                const pending = requestCompletion(api, document, position);
                // Kill while the engine decodes: a fixed wait let the fast fixture pair finish all 1024 tokens first.
                const started = Date.now();
                while (api.status().kind !== "generating" && Date.now() - started < 5000)
                    await sleep(2);
                assert.equal(api.status().kind, "generating", "the request never reached the engine");
                const pid = api.enginePid()!;
                process.kill(pid, "SIGKILL");
                assert.equal(await pending, undefined);
                assert.equal(api.lastOutcome()?.kind, "empty");
                await waitForState(api, (state) => state.kind === "restarting", "restarting", 5000).catch(() => undefined);
                await waitForState(api, readyWith(fixturePair), "ready after the crash");
                assert.notEqual(api.enginePid(), pid);
                await setUser("maxTokens", undefined);
                await requestCompletion(api, document, position);
                assert.notEqual(api.lastOutcome()?.kind, "error");
                assert.equal(document.getText(), before, "no document text changed");
            } finally {
                await setUser("maxTokens", undefined);
            }
        });

        it("decoding settings apply without reloading; model settings reload", async () => {
            const recorder = recordStates();
            await setUser("draftMax", 3);
            await sleep(300);
            assert.ok(!recorder.states.includes("loading"), "draftMax does not reload");
            await setUser("contextSize", 1024);
            const state = await waitForState(api, (candidate) => candidate.kind === "ready" && candidate.info.contextSize === 1024, "reload with context 1024");
            recorder.stop();
            assert.ok(recorder.states.includes("loading"));
            assert.ok(state.kind === "ready");
            await setUser("draftMax", undefined);
            await setUser("contextSize", 2048);
            await waitForState(api, (candidate) => candidate.kind === "ready" && candidate.info.contextSize === 2048, "context 2048 again");
        });
    });
});
