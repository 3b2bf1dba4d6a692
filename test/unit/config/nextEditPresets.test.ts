// specula.nextEdit.model: the next-edit presets (Sweep Next-Edit 1.5B with the Qwen2.5-Coder 0.5B
// draft, the trained fixture), a pair of specula.modelPairs by name, or one model.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { classifyModelUri, nextEditModelPair, parseModelPairs, presetPairs } from "../../../src/config/modelPairs";
import { fixtureModelPath } from "../../../src/fixtures/fixtureModelPath";
import { fileNameForHuggingFace } from "../../../src/engineHost/modelFiles";

const pairOf = (setting: string, configured = parseModelPairs([]).pairs) => {
    const choice = nextEditModelPair(setting, configured);
    assert.equal(choice.kind, "pair", JSON.stringify(choice));
    return (choice as Extract<typeof choice, { kind: "pair" }>).pair;
};

describe("next-edit model presets", () => {
    it("sweep-1.5b: Sweep's Q8_0 GGUF from Hugging Face, drafted by the completion presets' Qwen2.5-Coder 0.5B file", () => {
        const pair = pairOf("sweep-1.5b");
        assert.equal(pair.target, "hf:sweepai/sweep-next-edit-1.5B/sweep-next-edit-1.5b.q8_0.v2.gguf");
        assert.equal(classifyModelUri(pair.target).kind, "hf");
        assert.equal(fileNameForHuggingFace(pair.target), "hf_sweepai_sweep-next-edit-1.5B_sweep-next-edit-1.5b.q8_0.v2.gguf");
        // The same draft file as the completion presets: downloaded once for both.
        assert.equal(pair.draft, presetPairs[0]!.draft);
        assert.equal(pair.draft, "hf:ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF/qwen2.5-coder-0.5b-q8_0.gguf");
        assert.equal(pair.origin, "preset");
        // Not verified against the file here: no pinned hash, like the Qwen presets.
        assert.equal(pair.targetSha256, undefined);
        assert.equal(pairOf(" Sweep-1.5B ").target, pair.target);
    });

    it("fixture: the trained next-edit model of the repository, no download", async () => {
        const pair = pairOf("fixture");
        assert.equal(pair.target, "fixture:nextEditTarget");
        assert.equal(pair.draft, undefined);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "specula-next-edit-fixture-"));
        try {
            const file = await fixtureModelPath(dir, "nextEditTarget");
            assert.equal(file, path.resolve(__dirname, "..", "..", "..", "..", "test", "models", "next-edit", "next-edit-target.gguf"));
            assert.ok(fs.existsSync(file!));
            assert.deepEqual(fs.readdirSync(dir), [], "nothing generated");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a pair of specula.modelPairs by name, with its draft and pinned hashes", () => {
        const configured = parseModelPairs([{ name: "My next edit", target: "/m/ne.gguf", draft: "/m/d.gguf", targetSha256: "b".repeat(64) }]).pairs;
        const pair = pairOf("My next edit", configured);
        assert.deepEqual(pair, { name: "My next edit", target: "/m/ne.gguf", draft: "/m/d.gguf", targetSha256: "b".repeat(64), origin: "settings" });
    });

    it("one model by path or URI; empty is none; anything else is one clear problem", () => {
        assert.deepEqual(pairOf("/models/next-edit.gguf"), { name: "next-edit.gguf", target: "/models/next-edit.gguf", origin: "settings" });
        assert.equal(pairOf("hf:sweepai/sweep-next-edit-0.5B/sweep-next-edit-0.5b.q8_0.gguf").draft, undefined);
        assert.deepEqual(nextEditModelPair("  ", []), { kind: "none" });
        const bad = nextEditModelPair("sweep", []);
        assert.equal(bad.kind, "invalid");
        const problem = bad.kind === "invalid" ? bad.problem : "";
        assert.match(problem, /^specula\.nextEdit\.model "sweep" is not a next-edit preset \(sweep-1\.5b, fixture\), nor the name of an entry of specula\.modelPairs, and as a model it is a relative path/);
        assert.ok(!problem.includes("\n"));
    });
});
