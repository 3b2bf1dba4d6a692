import * as assert from "node:assert/strict";
import { classifyModelUri, codePairName, downloadUrlProblem, isRemoteModelUri, parseModelPairs, presetPairs } from "../../../src/config/modelPairs";
import { fileNameForUrl } from "../../../src/engineHost/modelFiles";

describe("model pairs and model URIs", () => {
    it("classifies paths, hf: URIs, URLs and fixtures", () => {
        assert.deepEqual(classifyModelUri("/models/a.gguf"), { kind: "file", path: "/models/a.gguf" });
        assert.equal(classifyModelUri("~/models/a.gguf").kind, "file");
        assert.equal(classifyModelUri("hf:ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF/qwen2.5-coder-1.5b-q8_0.gguf").kind, "hf");
        assert.equal(classifyModelUri("hf:user/repo:Q4_K_M").kind, "hf");
        assert.equal(classifyModelUri("https://example.com/m.gguf").kind, "url");
        assert.equal(classifyModelUri("http://127.0.0.1:8080/m.gguf").kind, "url");
        assert.equal(classifyModelUri("http://localhost/m.gguf").kind, "url");
        assert.deepEqual(classifyModelUri("fixture:smallTarget"), { kind: "fixture", name: "smallTarget" });
    });

    it("refuses relative paths, plain http to other hosts, other schemes and credentials in URLs", () => {
        for (const bad of ["", "models/a.gguf", "./a.gguf", "http://example.com/m.gguf", "ftp://example.com/m.gguf",
            "file:///etc/passwd", "https://user:secret@example.com/m.gguf", "hf:nope", "fixture:../../etc"])
            assert.equal(classifyModelUri(bad).kind, "invalid", bad);
        assert.match(downloadUrlProblem(new URL("http://10.0.0.2/m.gguf"))!, /only https/);
        assert.equal(downloadUrlProblem(new URL("http://[::1]:1/m.gguf")), undefined);
    });

    it("tells which references need a download", () => {
        assert.equal(isRemoteModelUri("hf:a/b:Q8_0"), true);
        assert.equal(isRemoteModelUri("https://x.org/m.gguf"), true);
        assert.equal(isRemoteModelUri("/m.gguf"), false);
        assert.equal(isRemoteModelUri("fixture:smallTarget"), false);
    });

    it("ships Qwen2.5-Coder pairs drafting with the 0.5B model, and the fixture pair", () => {
        const names = presetPairs.map((pair) => pair.name);
        assert.deepEqual(names.slice(0, 3), ["Qwen2.5-Coder 1.5B + 0.5B draft", "Qwen2.5-Coder 3B + 0.5B draft", "Qwen2.5-Coder 7B + 0.5B draft"]);
        for (const pair of presetPairs.slice(0, 3)) {
            assert.equal(classifyModelUri(pair.target).kind, "hf");
            assert.equal(pair.draft, "hf:ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF/qwen2.5-coder-0.5b-q8_0.gguf");
        }
        assert.equal(presetPairs[3]!.target, "fixture:smallTarget");
    });

    it("ships the code pair: the padded trained target with the trained draft, both built in", () => {
        const pair = presetPairs.find((candidate) => candidate.name === codePairName);
        assert.ok(pair != null, "no code pair preset");
        assert.equal(pair.target, "fixture:codePaddedTarget");
        assert.equal(pair.draft, "fixture:codeDraft");
        assert.equal(classifyModelUri(pair.target).kind, "fixture");
        assert.equal(isRemoteModelUri(pair.draft), false);
    });

    it("parses user pairs and reports each bad entry in one line, never throwing", () => {
        const parsed = parseModelPairs([
            { name: "Mine", target: "/m/t.gguf", draft: "/m/d.gguf", targetSha256: "A".repeat(64) },
            { name: "No draft", target: "hf:u/r:Q8_0" },
            { name: "Relative", target: "t.gguf" },
            { target: "/m/t.gguf" },
            { name: "Bad hash", target: "/m/t.gguf", draftSha256: "xyz" },
            { name: "Mine", target: "/m/other.gguf" },
            { name: "Qwen2.5-Coder 3B + 0.5B draft", target: "/m/t.gguf" },
            "not an object"
        ]);
        assert.deepEqual(parsed.pairs.map((pair) => pair.name), ["Mine", "No draft"]);
        assert.equal(parsed.pairs[0]!.targetSha256, "a".repeat(64));
        assert.equal(parsed.pairs[1]!.draft, undefined);
        assert.equal(parsed.problems.length, 6);
        assert.match(parsed.problems.join("\n"), /relative path/);
        assert.match(parsed.problems.join("\n"), /has no "name"/);
        assert.match(parsed.problems.join("\n"), /64 hexadecimal/);
        assert.match(parsed.problems.join("\n"), /already exists/);
        assert.deepEqual(parseModelPairs("nonsense").problems.length, 1);
        assert.deepEqual(parseModelPairs(undefined), { pairs: [], problems: [] });
    });

    it("names URL downloads after the last path segment, safely", () => {
        assert.equal(fileNameForUrl(new URL("https://h.org/a/b/model-q8.gguf?x=1")), "model-q8.gguf");
        assert.equal(fileNameForUrl(new URL("https://h.org/a/..%2F..%2Fevil.gguf")), "_.._evil.gguf");
        assert.equal(fileNameForUrl(new URL("https://h.org/")), "model-h.org.gguf");
    });
});
