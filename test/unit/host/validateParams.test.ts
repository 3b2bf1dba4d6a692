import * as assert from "node:assert/strict";
import { isSpeculaError } from "../../../src/engine/SpeculaError";
import { completeParamsSchema, decodingOptionsSchema, loadParamsSchema, validateParams } from "../../../src/host/validateParams";

function rejects(method: string, schema: Parameters<typeof validateParams>[1], params: unknown, message: RegExp): void {
    assert.throws(() => validateParams(method, schema, params), (error: unknown) => {
        assert.ok(isSpeculaError(error) && error.code === "BAD_ARGUMENT", String(error));
        assert.match(error.message, message);
        assert.ok(!error.message.includes("\n"));
        return true;
    }, JSON.stringify(params));
}

describe("validateParams: a schema per request method", () => {
    it("accepts what the extension sends", () => {
        const complete = { requestId: 7, prefix: "const x = ", suffix: "\n", extraContext: "", maxTokens: 128, maxLines: 8, temperature: 0, seed: 0, speculative: true, fim: true, prefillOnly: false };
        assert.equal(validateParams("specula/complete", completeParamsSchema, complete), complete);
        const load = {
            target: { uri: "hf:ggml-org/x/y.gguf", sha256: "a".repeat(64) }, draft: { uri: "/models/d.gguf" }, modelDirectory: "/m", fixtureDirectory: "/f", stateDirectory: "/s",
            options: { gpu: "auto", threads: 0, contextSize: 4096, speculative: true, drafter: "hybrid", draftMax: 8, adaptiveDraft: true, draftConfidence: 0 }
        };
        assert.equal(validateParams("specula/load", loadParamsSchema, load), load);
    });

    it("refuses malformed complete requests with the field named", () => {
        const base = { requestId: 1, prefix: "x" };
        rejects("specula/complete", completeParamsSchema, { ...base, maxTokens: "abc" }, /params\.maxTokens must be a finite number, not "abc"/);
        rejects("specula/complete", completeParamsSchema, { ...base, maxTokens: null }, /params\.maxTokens must be a finite number, not null/);
        rejects("specula/complete", completeParamsSchema, { ...base, maxTokens: -5 }, /params\.maxTokens must be from 0/);
        rejects("specula/complete", completeParamsSchema, { ...base, maxTokens: 1e12 }, /params\.maxTokens must be from 0 to 1048576, not 1000000000000/);
        rejects("specula/complete", completeParamsSchema, { ...base, maxTokens: 1.5 }, /whole number/);
        rejects("specula/complete", completeParamsSchema, { ...base, prefix: 5 }, /params\.prefix must be a string/);
        rejects("specula/complete", completeParamsSchema, { prefix: "x" }, /params\.requestId is missing/);
        rejects("specula/complete", completeParamsSchema, { ...base, surprise: 1 }, /unknown field "surprise"/);
        for (const params of [null, "x", [1], 5, undefined])
            rejects("specula/complete", completeParamsSchema, params, /params must be an object/);
    });

    it("refuses draftMax −100 000 and 1e9, in decoding options and in load options", () => {
        rejects("specula/setDecodingOptions", decodingOptionsSchema, { draftMax: -100_000 }, /draftMax must be from 0 to 64, not -100000/);
        rejects("specula/setDecodingOptions", decodingOptionsSchema, { draftMax: 1e9 }, /draftMax must be from 0 to 64/);
        rejects("specula/setDecodingOptions", decodingOptionsSchema, { drafter: "oracle" }, /drafter must be one of/);
        rejects("specula/load", loadParamsSchema, { target: { uri: "/t.gguf" }, modelDirectory: "/m", fixtureDirectory: "/f", options: { draftMax: 1e9 } }, /params\.options\.draftMax/);
        rejects("specula/load", loadParamsSchema, { target: { uri: "/t.gguf", sha256: "xyz" }, modelDirectory: "/m", fixtureDirectory: "/f", options: {} }, /params\.target\.sha256 is not valid/);
    });
});
