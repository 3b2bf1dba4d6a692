// Next-edit pairs in a real engine host process, through the steps every pair takes
// (src/engineHost/pairLoading.ts): the Sweep preset, not downloaded, is found missing without any network
// access and nothing loads; the trained next-edit fixture loads with a draft of its vocabulary and
// speculates, while a draft of another vocabulary is left out with the vocabulary check's reason;
// a pinned SHA-256 that does not match refuses the model.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nextEditPresets, type ModelPair } from "../../src/config/modelPairs";
import { EngineClient } from "../../src/engineHost/EngineClient";
import { loadPair, pairLoadParams } from "../../src/engineHost/pairLoading";

const repository = path.resolve(__dirname, "..", "..", "..");
const engineHostScript = path.join(repository, "dist", "engineHost.js");
const hostProbe = path.join(__dirname, "..", "support", "hostProbe.js");
const options = { gpu: "off" as const, threads: 1, contextSize: 1024 };

describe("next-edit pairs in the engine host", function () {
    this.timeout(180_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-next-edit-pairs-"));
    const networkLog = path.join(scratch, "network.jsonl");
    const folders = { modelDirectory: path.join(scratch, "models"), fixtureDirectory: path.join(scratch, "fixtures"), stateDirectory: path.join(scratch, "state") };
    const clients: EngineClient[] = [];

    const client = () => {
        assert.ok(fs.existsSync(engineHostScript), `${engineHostScript} is missing: run node scripts/build.mjs`);
        const created = new EngineClient({
            hostScript: engineHostScript,
            log: () => undefined,
            env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${hostProbe}`.trim(), SPECULA_NETWORK_LOG: networkLog }
        });
        clients.push(created);
        return created;
    };

    after(async () => {
        for (const created of clients)
            await created.dispose();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("sweep-1.5b, not downloaded: found missing without touching the network, nothing loaded", async () => {
        const sweep = nextEditPresets.find((preset) => preset.id === "sweep-1.5b")!.pair;
        const host = client();
        const outcome = await loadPair(host, sweep, pairLoadParams(sweep, folders, options));
        assert.equal(outcome.kind, "needsDownload");
        assert.deepEqual(outcome.kind === "needsDownload" ? outcome.sources.map((source) => source.uri) : [], [sweep.target, sweep.draft]);
        const attempts = fs.existsSync(networkLog) ? fs.readFileSync(networkLog, "utf8").trim() : "";
        assert.equal(attempts, "", "network attempts");
    });

    it("the next-edit fixture with a draft of its vocabulary speculates; a draft of another vocabulary is left out, with the reason", async () => {
        const fixture = nextEditPresets.find((preset) => preset.id === "fixture")!.pair;
        const withCodeDraft: ModelPair = { ...fixture, name: "fixture + code draft", draft: "fixture:codeDraft" };
        const same = await loadPair(client(), withCodeDraft, pairLoadParams(withCodeDraft, folders, options));
        assert.equal(same.kind, "loaded");
        assert.equal(same.kind === "loaded" ? same.result.info.speculationAvailable : false, true);
        assert.equal(same.kind === "loaded" ? same.draftProblem : "x", undefined);

        const withByteDraft: ModelPair = { ...fixture, name: "fixture + byte-level draft", draft: "fixture:smallDraft" };
        const other = await loadPair(client(), withByteDraft, pairLoadParams(withByteDraft, folders, options));
        assert.equal(other.kind, "loaded");
        assert.match(other.kind === "loaded" ? other.draftProblem ?? "" : "", /vocabular/i);
        console.log(`      draft left out: ${other.kind === "loaded" ? other.draftProblem : ""}`);
    });

    it("a pinned SHA-256 that does not match refuses the model", async () => {
        const fixture = nextEditPresets.find((preset) => preset.id === "fixture")!.pair;
        const pinned: ModelPair = { ...fixture, name: "pinned wrong", targetSha256: "0".repeat(64) };
        await assert.rejects(loadPair(client(), pinned, pairLoadParams(pinned, folders, options)), /SHA-256/);
    });
});
