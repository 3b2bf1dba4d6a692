// The engine host's boundary: every request's params are checked against a small schema per
// method before anything uses them, so a malformed message (from a buggy or hostile peer) gets one
// clear error instead of a NaN prompt budget, a crash, or a 33 000-token prompt pushed into a
// 2 048-token context. Hand-written on purpose: a few field kinds, no dependency.
import { SpeculaError } from "../engine/SpeculaError";
import { decodingOptions as decodingOptionTable } from "../common/decodingOptions";
import type { CompleteParams, DecodingOptions, DownloadParams, HostEngineOptions, LoadParams, ModelSource, ResolveParams } from "./protocol";

/** One field's rule. Every field may be absent only when `optional` is set. */
export type FieldSchema =
    | { readonly kind: "string"; readonly maxLength: number; readonly pattern?: RegExp; readonly optional?: boolean }
    | { readonly kind: "number"; readonly min: number; readonly max: number; readonly integer?: boolean; readonly optional?: boolean }
    | { readonly kind: "boolean"; readonly optional?: boolean }
    | { readonly kind: "enum"; readonly values: readonly string[]; readonly optional?: boolean }
    | { readonly kind: "object"; readonly fields: ObjectSchema<object>; readonly optional?: boolean }
    | { readonly kind: "array"; readonly items: FieldSchema; readonly maxItems: number; readonly optional?: boolean };

/**
 * A schema for every field of T, and only those: adding a field to a protocol type without adding
 * it here fails to compile. Fields not in the schema are refused at run time.
 */
export type ObjectSchema<T> = { readonly [K in keyof T]-?: FieldSchema };

/**
 * Returns `params` typed as T when they match `schema`, else throws a BAD_ARGUMENT SpeculaError
 * whose message names the method and the field.
 */
export function validateParams<T>(method: string, schema: ObjectSchema<T>, params: unknown): T {
    const problem = checkObject(schema as ObjectSchema<object>, params, "params");
    if (problem != null)
        throw new SpeculaError("BAD_ARGUMENT", `Invalid ${method} request: ${problem}.`);
    return params as T;
}

function checkObject(fields: ObjectSchema<object>, value: unknown, where: string): string | undefined {
    if (value == null || typeof value !== "object" || Array.isArray(value))
        return `${where} must be an object, not ${describe(value)}`;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record))
        if (!Object.hasOwn(fields, key))
            return `${where} has the unknown field "${key.slice(0, 40)}"`;
    for (const [key, field] of Object.entries(fields) as Array<[string, FieldSchema]>) {
        const problem = checkField(field, record[key], `${where}.${key}`);
        if (problem != null)
            return problem;
    }
    return undefined;
}

function checkField(field: FieldSchema, value: unknown, where: string): string | undefined {
    if (value === undefined)
        return field.optional === true ? undefined : `${where} is missing`;
    switch (field.kind) {
        case "string":
            if (typeof value !== "string")
                return `${where} must be a string, not ${describe(value)}`;
            if (value.length > field.maxLength)
                return `${where} is longer than ${field.maxLength} characters`;
            if (field.pattern != null && !field.pattern.test(value))
                return `${where} is not valid (${describe(value)})`;
            return undefined;
        case "number":
            if (typeof value !== "number" || !Number.isFinite(value))
                return `${where} must be a finite number, not ${describe(value)}`;
            if (field.integer === true && !Number.isInteger(value))
                return `${where} must be a whole number, not ${value}`;
            if (value < field.min || value > field.max)
                return `${where} must be from ${field.min} to ${field.max}, not ${value}`;
            return undefined;
        case "boolean":
            return typeof value === "boolean" ? undefined : `${where} must be true or false, not ${describe(value)}`;
        case "enum":
            return typeof value === "string" && field.values.includes(value)
                ? undefined
                : `${where} must be one of ${field.values.map((item) => `"${item}"`).join(", ")}, not ${describe(value)}`;
        case "object":
            return checkObject(field.fields, value, where);
        case "array": {
            if (!Array.isArray(value))
                return `${where} must be a list, not ${describe(value)}`;
            if (value.length > field.maxItems)
                return `${where} has more than ${field.maxItems} items`;
            for (const [index, item] of value.entries()) {
                const problem = checkField(field.items, item, `${where}[${index}]`);
                if (problem != null)
                    return problem;
            }
            return undefined;
        }
    }
}

function describe(value: unknown): string {
    if (value === null)
        return "null";
    if (Array.isArray(value))
        return "a list";
    if (typeof value === "string")
        return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    if (typeof value === "object")
        return "an object";
    return String(value);
}

// --- The protocol's schemas ---------------------------------------------------------------------

const maxPathLength = 4096;
/** Prompt text: the extension sends at most a few hundred KB; anything near this is not a prompt. */
const maxTextLength = 16 * 1024 * 1024;
const path = (optional = false): FieldSchema => ({ kind: "string", maxLength: maxPathLength, ...(optional ? { optional } : {}) });
const integer = (min: number, max: number, optional = true): FieldSchema => ({ kind: "number", integer: true, min, max, optional });
const flag: FieldSchema = { kind: "boolean", optional: true };

const modelSource: ObjectSchema<ModelSource> = {
    uri: { kind: "string", maxLength: maxPathLength },
    sha256: { kind: "string", maxLength: 64, pattern: /^[0-9a-fA-F]{64}$/, optional: true }
};

/** A number option's accepted range, from the one declaration of the decoding options. */
const option = (name: "draftMax" | "draftConfidence" | "temperature" | "maxTokens" | "maxLines"): FieldSchema => {
    const declared = decodingOptionTable[name];
    return { kind: "number", integer: declared.type === "integer", min: declared.accepted.min, max: declared.accepted.max, optional: true };
};

const decodingOptions: ObjectSchema<DecodingOptions> = {
    speculative: flag,
    drafter: { kind: "enum", values: decodingOptionTable.drafter.enum, optional: true },
    draftMax: option("draftMax"),
    adaptiveDraft: flag,
    draftConfidence: option("draftConfidence"),
    lookupPool: flag
};

const engineOptions: ObjectSchema<HostEngineOptions> = {
    ...decodingOptions,
    gpu: { kind: "enum", values: ["auto", "cuda", "vulkan", "metal", "off"], optional: true },
    threads: integer(0, 1024),
    contextSize: integer(0, 1 << 20)
};

export const loadParamsSchema: ObjectSchema<LoadParams> = {
    target: { kind: "object", fields: modelSource },
    draft: { kind: "object", fields: modelSource, optional: true },
    modelDirectory: path(),
    fixtureDirectory: path(),
    stateDirectory: path(true),
    options: { kind: "object", fields: engineOptions }
};

export const completeParamsSchema: ObjectSchema<CompleteParams> = {
    requestId: integer(0, Number.MAX_SAFE_INTEGER, false),
    prefix: { kind: "string", maxLength: maxTextLength },
    middleChars: integer(0, maxTextLength),
    suffix: { kind: "string", maxLength: maxTextLength, optional: true },
    extraContext: { kind: "string", maxLength: maxTextLength, optional: true },
    rawPrompt: { kind: "string", maxLength: maxTextLength, optional: true },
    copyFrom: { kind: "string", maxLength: maxTextLength, optional: true },
    maxTokens: option("maxTokens"),
    maxLines: option("maxLines"),
    temperature: option("temperature"),
    seed: integer(0, 2 ** 32 - 1),
    speculative: flag,
    fim: flag,
    prefillOnly: flag,
    stream: flag
};

export const decodingOptionsSchema: ObjectSchema<DecodingOptions> = decodingOptions;

const sources: FieldSchema = { kind: "array", items: { kind: "object", fields: modelSource }, maxItems: 16 };

export const resolveParamsSchema: ObjectSchema<ResolveParams> = {
    sources,
    modelDirectory: path()
};

export const downloadParamsSchema: ObjectSchema<DownloadParams> = {
    downloadId: integer(0, Number.MAX_SAFE_INTEGER, false),
    sources,
    modelDirectory: path(),
    stateDirectory: path(true)
};
