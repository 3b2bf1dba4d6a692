// specula.backend = llamaServer in the real extension host, against a real llama-server running the
// small fixture pair (built by scripts/build-llama-server.sh): the same ghost text as the local
// engine, the server's acceptance rate and health in the status bar, the commands, the API key in
// secret storage; and the faults — killed mid-request and restarted, slowed down by a loopback
// proxy, malformed answers and a model without FIM tokens from a fake server — each a status-bar
// state that clears by itself, with nothing written to the document.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { SpeculaTestApi } from "../../src/extension";
import { ensureFixtures } from "../../src/fixtures/generateFixtures";
import type { BackendState } from "../../src/vscode/BackendState";
import type { StatusKind } from "../../src/vscode/StatusBar";
import { startFakeLlamaServer, type FakeLlamaServer } from "../support/fakeLlamaServer";
import { findLlamaServer, freePort, startLlamaServer, startSlowProxy, type LlamaServerProcess, type SlowProxy } from "../support/llamaServerProcess";
import { itemText, readyWith, requestCompletion, setUser, sleep, specula, waitForState } from "./extensionHostHelpers";
import { fixturePair, userSettings } from "./suiteSetup";

// out/test/vscode -> repository root
const repository = path.resolve(__dirname, "..", "..", "..");
const apiKey = `specula-test-key-${process.pid}-${Date.now()}`;

let api: SpeculaTestApi;

const serverReady = (state: BackendState) => state.kind === "server" && state.health.kind === "ready";
const serverIn = (kind: string) => (state: BackendState) => state.kind === "server" && state.health.kind === kind;
/** The tooltip without markdown escapes. */
const tooltip = () => api.status().tooltip.replace(/\\(.)/g, "$1");

async function waitForStatus(kind: StatusKind, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (api.status().kind !== kind) {
        if (Date.now() > deadline)
            throw new Error(`status bar is ${JSON.stringify(api.status())}, not ${kind}`);
        await sleep(50);
    }
}

async function useServer(url: string, expect: (state: BackendState) => boolean = serverReady, what = "the server to be ready"): Promise<void> {
    await setUser("serverUrl", url);
    await setUser("backend", "llamaServer");
    await waitForState(api, expect, what, 40_000);
}

describe("Specula with a llama.cpp server backend (real llama-server)", function () {
    this.timeout(90_000);
    let server: LlamaServerProcess | undefined;
    let keyed: LlamaServerProcess | undefined;
    let proxy: SlowProxy | undefined;
    let fake: FakeLlamaServer | undefined;
    let sample: vscode.TextDocument;
    let localText: string;

    before(async function () {
        this.timeout(240_000);
        // runSuite.ts passes the binary (the extension host's HOME is not the user's, so the cache is not found from here).
        const fromRunner = process.env.SPECULA_LLAMA_SERVER;
        const found = fromRunner != null && fs.existsSync(fromRunner) ? { path: fromRunner, reason: "" } : findLlamaServer(repository);
        if (found.path == null) {
            if (process.env.CI === "true")
                throw new Error(`CI=true but llama-server is not built: ${found.reason}`);
            console.log(`\n######## SKIPPED: llama-server backend suite (${found.reason}). Run scripts/build-llama-server.sh (~35 min) to enable it. ########`);
            this.skip();
        }
        const extension = vscode.extensions.all.find((candidate) => candidate.packageJSON?.name === "specula");
        assert.ok(extension);
        api = (await extension.activate()) as SpeculaTestApi;
        const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
        for (const [key, value] of Object.entries(userSettings(workspace)))
            await setUser(key.replace(/^specula\./, ""), value);
        const fixtures = await ensureFixtures({});
        server = await startLlamaServer({ binary: found.path!, target: fixtures.smallTarget, draft: fixtures.smallDraft, spm: true, contextSize: 2048 });
        keyed = await startLlamaServer({ binary: found.path!, target: fixtures.smallTarget, spm: true, contextSize: 2048, apiKey });
        await waitForState(api, readyWith(fixturePair), "the fixture pair to load", 170_000);
        // What the local engine writes at a spot, to compare with the server's answer there.
        sample = await vscode.workspace.openTextDocument({ language: "typescript", content: "export function scale(values: number[], factor: number) {\n    return values.map((value) => " });
        const items = await requestCompletion(api, sample, sample.positionAt(sample.getText().length));
        assert.equal(api.lastOutcome()?.kind, "suggestion", JSON.stringify(api.lastOutcome()));
        localText = itemText(items![0]!);
        await api.provider.whenIdle();
    });

    after(async function () {
        this.timeout(240_000);
        if (api == null)
            return;
        await setUser("backend", undefined);
        await setUser("serverUrl", undefined);
        await setUser("serverTimeoutMs", undefined);
        await vscode.commands.executeCommand("specula.setServerApiKey", "");
        await proxy?.close();
        await fake?.close();
        await server?.stop();
        await keyed?.stop();
        await waitForState(api, readyWith(fixturePair), "the local fixture pair again", 170_000);
    });

    it("switching to the server stops the local engine, and the status bar names the server and its model", async () => {
        assert.notEqual(api.enginePid(), undefined, "the local engine runs before the switch");
        await useServer(server!.url);
        assert.equal(api.enginePid(), undefined, "the local engine's process is stopped while the server is used");
        const state = api.engineState();
        assert.ok(state.kind === "server" && state.health.kind === "ready");
        assert.equal(state.health.model.speculative, true);
        assert.match(api.status().text, /^\$\((server|sync~spin)\) Specula/);
        assert.ok(tooltip().includes(`llama-server at 127.0.0.1:${server!.port}** (healthy)`), tooltip());
        assert.ok(tooltip().includes("small-target.gguf"), tooltip());
    });

    it("shows the local engine's ghost text, computed by the server, and its acceptance rate", async () => {
        const items = await requestCompletion(api, sample, sample.positionAt(sample.getText().length));
        const outcome = api.lastOutcome();
        assert.equal(outcome?.kind, "suggestion", JSON.stringify(outcome));
        assert.equal(itemText(items![0]!), localText, "greedy text from the server equals the local engine's");
        await api.provider.whenIdle();
        const generation = api.provider.lastGeneration;
        assert.ok(generation != null && generation.speculative && generation.stats.draftedTokens > 0, JSON.stringify(generation));
        assert.match(api.status().text, /^\$\(server\) Specula \d+%$/);
        assert.match(api.status().tooltip, /Acceptance/);
    });

    it("the commands say what they do with a server: speculation is the server's, restart reconnects, completions toggle", async () => {
        await vscode.commands.executeCommand("specula.toggleSpeculative");
        assert.equal(specula().get("speculative"), true, "the local setting is left alone");
        await vscode.commands.executeCommand("specula.downloadModels");
        assert.equal(api.engineState().kind, "server");
        const states: string[] = [];
        const subscription = api.onDidChangeState((state) => states.push(state.kind === "server" ? state.health.kind : state.kind));
        await vscode.commands.executeCommand("specula.restartEngine");
        await waitForState(api, serverReady, "ready after reconnecting");
        subscription.dispose();
        assert.deepEqual(states.slice(0, 1), ["connecting"]);
        await vscode.commands.executeCommand("specula.toggleCompletions");
        await waitForState(api, (state) => state.kind === "disabled", "completions off");
        assert.equal(api.status().kind, "disabled");
        await vscode.commands.executeCommand("specula.toggleCompletions");
        await waitForState(api, serverReady, "ready again");
    });

    it("a server with --api-key: 'key rejected' until the key is set by the command; the key is in no setting or log", async () => {
        await useServer(keyed!.url, serverIn("unauthorized"), "the key to be rejected");
        assert.equal(api.status().kind, "unauthorized");
        assert.match(api.status().text, /key rejected/);
        await vscode.commands.executeCommand("specula.setServerApiKey", apiKey);
        await waitForState(api, serverReady, "ready with the key");
        const items = await requestCompletion(api, sample, sample.positionAt(sample.getText().length));
        assert.equal(items?.length, 1, JSON.stringify(api.lastOutcome()));
        assert.ok(!JSON.stringify(vscode.workspace.getConfiguration("specula")).includes(apiKey), "not in the settings");
        await sleep(2000); // log writes are buffered
        // The window's log folder (the parent of exthost*), which holds Specula's output channel, and the extension's storage.
        let logRoot = api.storagePaths.log;
        while (!/^exthost/.test(path.basename(logRoot)) && path.dirname(logRoot) !== logRoot)
            logRoot = path.dirname(logRoot);
        logRoot = path.dirname(logRoot);
        const walk = (dir: string): string[] => fs.existsSync(dir)
            ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.isFile() ? [path.join(dir, entry.name)] : [])
            : [];
        const files = [logRoot, api.storagePaths.global].flatMap(walk).filter((file) => fs.statSync(file).size < 64 * 2 ** 20);
        const holding = (text: string) => files.filter((file) => fs.readFileSync(file, "latin1").includes(text));
        assert.ok(holding(`llama-server at 127.0.0.1:${keyed!.port}: ready`).length > 0, "the scan reads Specula's log (control: the server's address is logged)");
        assert.deepEqual(holding(apiKey), [], "no log or storage file holds the key");
    });

    it("killed mid-request: 'server offline', nothing written; completions resume by themselves after a restart", async () => {
        await vscode.commands.executeCommand("specula.setServerApiKey", "");
        // The proxy slows the answer so that the kill lands in the middle of it.
        proxy = await startSlowProxy(server!.port);
        proxy.delayMs = 150;
        await useServer(proxy.url);
        const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "let count = 0;\nexport function " });
        const before = document.getText();
        const answer = requestCompletion(api, document, document.positionAt(before.length));
        await sleep(600);
        await server!.kill();
        // The kill resets the server's sockets; the proxy passes that on instead of first delivering what it held back.
        proxy.dropConnections();
        const items = await answer;
        assert.equal(items, undefined, `no suggestion from a dead server: ${JSON.stringify(api.lastOutcome())}`);
        await waitForStatus("offline");
        assert.match(api.status().text, /server offline/);
        assert.equal(document.getText(), before, "nothing written to the document");
        proxy.delayMs = 0;
        await server!.restart();
        await waitForState(api, serverReady, "ready after the restart, without a command", 40_000);
        const again = await requestCompletion(api, document, document.positionAt(before.length));
        assert.equal(again?.length, 1, JSON.stringify(api.lastOutcome()));
    });

    it("slowed down past specula.serverTimeoutMs: 'server slow'; ready again once it answers in time", async () => {
        await setUser("serverTimeoutMs", 1500);
        await waitForState(api, serverReady, "reconnected with the new timeout");
        proxy!.delayMs = 2500;
        const items = await requestCompletion(api, sample, sample.positionAt(sample.getText().length));
        assert.equal(items, undefined);
        await waitForStatus("slow");
        assert.match(api.status().text, /server slow/);
        proxy!.delayMs = 0;
        await waitForState(api, serverReady, "ready once the server is fast again", 40_000);
        await setUser("serverTimeoutMs", undefined);
    });

    it("malformed answers from a fake server: 'server error'; ready again when its answers are whole", async () => {
        fake = await startFakeLlamaServer({ completion: "malformedEvent", text: "value * factor);\n" });
        await useServer(fake.url);
        const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "const doubled = values.map((value) => " });
        const items = await requestCompletion(api, document, document.positionAt(document.getText().length));
        assert.equal(items, undefined);
        await waitForStatus("serverError");
        assert.match(tooltip(), /not JSON/);
        assert.equal(document.getText(), "const doubled = values.map((value) => ", "nothing written to the document");
        fake.behaviour.completion = "normal";
        await waitForState(api, serverReady, "ready again");
        const again = await requestCompletion(api, document, document.positionAt(document.getText().length));
        assert.equal(again?.length, 1, JSON.stringify(api.lastOutcome()));
    });

    it("a model without FIM tokens, and nothing listening: each its own state", async () => {
        fake!.behaviour.noFim = true;
        await vscode.commands.executeCommand("specula.restartEngine");
        await waitForState(api, serverIn("noFim"), "no FIM");
        assert.equal(api.status().kind, "noFim");
        const closed = await freePort();
        await useServer(`http://127.0.0.1:${closed}`, serverIn("offline"), "offline");
        assert.match(tooltip(), /connection refused/);
    });

    it("switching back to local loads the pair again", async () => {
        await setUser("backend", "local");
        await waitForState(api, readyWith(fixturePair), "the fixture pair", 170_000);
        assert.notEqual(api.enginePid(), undefined);
    });
});
