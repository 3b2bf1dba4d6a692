import * as assert from "node:assert/strict";
import { isSpeculaError } from "../../../src/engine/SpeculaError";
import { completeParamsSchema, decodingOptionsSchema, downloadParamsSchema, loadParamsSchema, resolveParamsSchema, validateParams, type FieldSchema, type ObjectSchema } from "../../../src/engineHost/validateParams";

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

/** Every number field of a schema, as a path of field names (nested objects walked). */
function numberFields(schema: ObjectSchema<object>, prefix: readonly string[] = []): Array<{ path: readonly string[]; field: Extract<FieldSchema, { kind: "number" }> }> {
    return (Object.entries(schema) as Array<[string, FieldSchema]>).flatMap(([name, field]) =>
        field.kind === "number" ? [{ path: [...prefix, name], field }]
        : field.kind === "object" ? numberFields(field.fields, [...prefix, name])
        : []);
}

/** `text` as a regular expression that matches it literally. */
function literal(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A copy of `base` with the value at `path` replaced. */
function withValue(base: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
    const [head, ...rest] = path;
    return { ...base, [head!]: rest.length === 0 ? value : withValue((base[head!] ?? {}) as Record<string, unknown>, rest, value) };
}

describe("validateParams: NaN, ±Infinity, −0 and out-of-range values in every number field of the protocol", () => {
    const methods: Array<{ method: string; schema: ObjectSchema<object>; base: Record<string, unknown>; fields: readonly string[] }> = [
        {
            method: "specula/load", schema: loadParamsSchema as ObjectSchema<object>,
            base: { target: { uri: "/t.gguf" }, modelDirectory: "/m", fixtureDirectory: "/f", options: {} },
            fields: ["options.draftMax", "options.draftConfidence", "options.threads", "options.contextSize"]
        },
        {
            method: "specula/complete", schema: completeParamsSchema as ObjectSchema<object>, base: { requestId: 1, prefix: "x" },
            fields: ["requestId", "middleChars", "maxTokens", "maxLines", "temperature", "seed"]
        },
        { method: "specula/setDecodingOptions", schema: decodingOptionsSchema as ObjectSchema<object>, base: {}, fields: ["draftMax", "draftConfidence"] },
        { method: "specula/download", schema: downloadParamsSchema as ObjectSchema<object>, base: { downloadId: 1, sources: [], modelDirectory: "/m" }, fields: ["downloadId"] },
        { method: "specula/resolve", schema: resolveParamsSchema as ObjectSchema<object>, base: { sources: [], modelDirectory: "/m" }, fields: [] }
    ];

    it("the list below covers every number field the schemas declare", () => {
        for (const { method, schema, fields } of methods)
            assert.deepEqual(numberFields(schema).map(({ path }) => path.join(".")), fields, method);
    });

    for (const { method, schema, base } of methods)
        for (const { path, field } of numberFields(schema)) {
            const name = `params.${path.join(".")}`;
            const prefix = `^${literal(`Invalid ${method} request: ${name}`)}`;
            it(`${method} ${name} (${field.min} to ${field.max}${field.integer === true ? ", whole" : ""})`, () => {
                assert.equal(validateParams(method, schema, base), base, "the base params are refused");
                for (const bad of [NaN, Infinity, -Infinity])
                    rejects(method, schema, withValue(base, path, bad), new RegExp(`${prefix} must be a finite number, not ${bad}\\.$`));
                for (const bad of ["1", true, null, [1], { value: 1 }])
                    rejects(method, schema, withValue(base, path, bad), new RegExp(`${prefix} must be a finite number, not `));
                const step = field.integer === true ? 1 : 0.5;
                for (const bad of [field.min - step, field.max + step, -Number.MAX_VALUE, Number.MAX_VALUE])
                    rejects(method, schema, withValue(base, path, bad), new RegExp(`${prefix} must be from ${field.min} to ${field.max}, not ${literal(String(bad))}\\.$`));
                if (field.integer === true)
                    rejects(method, schema, withValue(base, path, field.min + 0.5), new RegExp(`${prefix} must be a whole number, not ${literal(String(field.min + 0.5))}\\.$`));
                // Each limit itself is accepted, and −0 (JSON.parse("-0") gives it) wherever 0 is.
                for (const good of [field.min, field.max, ...(field.min === 0 ? [-0] : [])]) {
                    const params = withValue(base, path, good);
                    assert.equal(validateParams(method, schema, params), params, `${name} = ${Object.is(good, -0) ? "-0" : good} was refused`);
                }
            });
        }
});
