// Loading a pair from the extension's side (the next-edit presets go through it): nothing is
// fetched without consent, a download reports one progress over its files, and the load request
// carries the target and the draft so that the engine runs its memory and vocabulary checks on
// the pair. The client is a fake over a temporary model directory: "downloading" writes the file
// under the name the host would give it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineInfo } from "../../../src/common/EngineOptions";
import { nextEditPresets, type ModelPair } from "../../../src/config/modelPairs";
import { fileNameForHuggingFace } from "../../../src/engineHost/modelFiles";
import { downloadPair, loadPair, pairLoadParams, type PairLoadingClient } from "../../../src/engineHost/pairLoading";
import type { LoadParams } from "../../../src/engineHost/protocol";

const sweep = nextEditPresets.find((preset) => preset.id === "sweep-1.5b")!.pair;

function info(speculationAvailable: boolean): EngineInfo {
    return {
        speculationAvailable,
        ...(speculationAvailable ? {} : { speculationUnavailableReason: "the vocabularies differ in size (target 151936 tokens, draft 8192)" })
    } as EngineInfo;
}

/** A client over `directory`: resolve looks for the host's file names, download writes them, load records. */
function fakeClient(directory: string, speculationAvailable = true) {
    const loads: LoadParams[] = [];
    const downloads: string[][] = [];
    const fileOf = (uri: string) => path.join(directory, fileNameForHuggingFace(uri));
    const client: PairLoadingClient = {
        resolve: async (params) => ({ paths: params.sources.map((source) => (fs.existsSync(fileOf(source.uri)) ? fileOf(source.uri) : null)) }),
        download: async (params, onProgress) => {
            downloads.push(params.sources.map((source) => source.uri));
            for (const [index, source] of params.sources.entries()) {
                onProgress?.({ downloadId: 1, index, uri: source.uri, downloadedBytes: 0, totalBytes: 2000 });
                onProgress?.({ downloadId: 1, index, uri: source.uri, downloadedBytes: 1000, totalBytes: 2000 });
                fs.writeFileSync(fileOf(source.uri), "GGUF");
                onProgress?.({ downloadId: 1, index, uri: source.uri, downloadedBytes: 2000, totalBytes: 2000 });
            }
            return { paths: params.sources.map((source) => fileOf(source.uri)) };
        },
        load: async (params) => {
            loads.push(params);
            return { info: info(speculationAvailable), targetPath: "t", ...(params.draft != null ? { draftPath: "d" } : {}), loadMs: 1 };
        }
    };
    return { client, loads, downloads };
}

describe("loading a model pair from the extension", () => {
    let directory: string;
    const folders = () => ({ modelDirectory: directory, fixtureDirectory: path.join(directory, "fixtures"), stateDirectory: path.join(directory, "state") });
    const options = { gpu: "off" as const, threads: 2, contextSize: 2048 };

    beforeEach(() => {
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "specula-pair-loading-"));
    });
    afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

    it("the Sweep preset, not downloaded: asks for consent and loads nothing; after the download, loads the target with its draft", async () => {
        const fake = fakeClient(directory);
        const params = pairLoadParams(sweep, folders(), options);
        const first = await loadPair(fake.client, sweep, params);
        assert.equal(first.kind, "needsDownload");
        assert.equal(first.kind === "needsDownload" ? first.message : "", "The models of \"Sweep Next-Edit 1.5B + Qwen2.5-Coder 0.5B draft\" are not downloaded yet (2 files).");
        assert.deepEqual(fake.loads, []);
        assert.deepEqual(fake.downloads, [], "nothing downloaded without consent");

        const progress: string[] = [];
        await downloadPair(fake.client, first.kind === "needsDownload" ? first.sources : [], folders(), (update) => progress.push(`${update.fraction} ${update.message}`));
        assert.deepEqual(fake.downloads, [[sweep.target, sweep.draft]]);
        assert.deepEqual(progress, [
            "0 file 1 of 2: 0 B of 2 KiB", "0.25 file 1 of 2: 1000 B of 2 KiB", "0.5 file 1 of 2: 2 KiB of 2 KiB",
            "0.5 file 2 of 2: 0 B of 2 KiB", "0.75 file 2 of 2: 1000 B of 2 KiB", "1 file 2 of 2: 2 KiB of 2 KiB"
        ]);

        const second = await loadPair(fake.client, sweep, params);
        assert.equal(second.kind, "loaded");
        assert.deepEqual(fake.loads, [{
            target: { uri: "hf:sweepai/sweep-next-edit-1.5B/sweep-next-edit-1.5b.q8_0.v2.gguf" },
            draft: { uri: "hf:ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF/qwen2.5-coder-0.5b-q8_0.gguf" },
            ...folders(),
            options
        }]);
        assert.equal(second.kind === "loaded" ? second.draftProblem : "x", undefined);
    });

    it("downloads only what is missing: the 0.5B draft the completion presets already fetched is reused", async () => {
        fs.writeFileSync(path.join(directory, fileNameForHuggingFace(sweep.draft!)), "GGUF");
        const outcome = await loadPair(fakeClient(directory).client, sweep, pairLoadParams(sweep, folders(), options));
        assert.deepEqual(outcome.kind === "needsDownload" ? outcome.sources : [], [{ uri: sweep.target }]);
        assert.match(outcome.kind === "needsDownload" ? outcome.message : "", /\(1 file\)\.$/);
    });

    it("says why a draft the engine cannot use is left out (its vocabulary check), and passes pinned hashes on", async () => {
        const pair: ModelPair = { name: "Mine", target: "/m/ne.gguf", draft: "/m/d.gguf", targetSha256: "c".repeat(64), origin: "settings" };
        const fake = fakeClient(directory, false);
        const outcome = await loadPair(fake.client, pair, pairLoadParams(pair, folders(), options));
        assert.equal(outcome.kind, "loaded");
        assert.equal(outcome.kind === "loaded" ? outcome.draftProblem : "", "the vocabularies differ in size (target 151936 tokens, draft 8192)");
        assert.deepEqual(fake.loads[0]!.target, { uri: "/m/ne.gguf", sha256: "c".repeat(64) });
        // A local pair needs no look-up.
        const alone: ModelPair = { name: "Alone", target: "/m/ne.gguf", origin: "settings" };
        const single = await loadPair(fake.client, alone, pairLoadParams(alone, folders(), options));
        assert.equal(single.kind === "loaded" ? single.draftProblem : "x", undefined);
    });
});
