// Names and values that checkModelMetadata takes from a file and puts in its one-line message are
// quoted and cut short (issue 23): a hostile architecture, tokenizer or tensor name must not put
// line breaks, terminal escapes or megabytes on the user's terminal.
import * as assert from "node:assert/strict";
import { checkModelMetadata } from "../../../src/engine/modelFile/checkModelMetadata";
import { GgufType } from "../../../src/engine/modelFile/ggufFormat";
import type { GgufHeader, GgufKeyValue, GgufScalar, GgufTensorInfo } from "../../../src/engine/modelFile/readGgufHeader";

function entry(key: string, type: GgufType, value: GgufKeyValue["value"]): GgufKeyValue {
    return { key, type, value, offset: 0, typeOffset: 0, valueOffset: 0, end: 0 };
}

function strings(key: string, items: readonly GgufScalar[]): GgufKeyValue {
    return entry(key, GgufType.Array, { itemType: GgufType.String, length: items.length, items });
}

function tensor(name: string, dims: readonly number[], ggmlType: number): GgufTensorInfo {
    return { name, dims, ggmlType, dataOffset: 0, byteSize: 0, at: { record: 0, nDims: 0, dims: 0, type: 0, offset: 0, end: 0 } };
}

/** A small llama model's header that passes every check, with some entries replaced. */
function header(changes: { architecture?: string; keyPrefix?: string; tokenizer?: string; tensors?: GgufTensorInfo[] }): GgufHeader {
    const architecture = changes.architecture ?? "llama";
    const prefix = changes.keyPrefix ?? architecture;
    const u32 = (name: string, value: number) => entry(`${prefix}.${name}`, GgufType.Uint32, value);
    const entries = [
        entry("general.architecture", GgufType.String, architecture),
        u32("context_length", 2048), u32("embedding_length", 64), u32("block_count", 1), u32("feed_forward_length", 128), u32("attention.head_count", 4),
        entry(`${prefix}.attention.layer_norm_rms_epsilon`, GgufType.Float32, 1e-5),
        entry("tokenizer.ggml.model", GgufType.String, changes.tokenizer ?? "gpt2"),
        strings("tokenizer.ggml.tokens", ["a", "b", "c"]),
        strings("tokenizer.ggml.merges", [])
    ];
    return {
        version: 3, fileSize: 0, metadata: new Map(entries.map((item) => [item.key, item])),
        tensors: changes.tensors ?? [tensor("token_embd.weight", [64, 3], 0)],
        alignment: 32, countsAt: { tensors: 0, keyValues: 0 }, infoEnd: 0, dataStart: 0
    };
}

/** Asserts a one-line message without control or invisible characters, of at most 400 characters. */
function assertSafe(problem: string | undefined, expected: RegExp): void {
    assert.ok(problem != null, "the header was accepted");
    assert.ok(problem.length <= 400, `${problem.length} characters: ${JSON.stringify(problem.slice(0, 300))}`);
    assert.doesNotMatch(problem, /[\u0000-\u001f\u007f-\u009f\u202e]/, JSON.stringify(problem));
    assert.match(problem, expected);
}

const hostile = "\n\u001b]0;title\u0007\u009b\u202e".repeat(20_000);

describe("checkModelMetadata: text from the file in its messages", () => {
    it("the hand-made header passes, so each case below fails on its one change", () => {
        assert.equal(checkModelMetadata(header({})), undefined);
    });

    it("an architecture of 140 000 characters of line breaks and terminal escapes is refused as invalid, quoted and cut short", () => {
        // With its keys named after it, and with "llama." keys (then its keys are missing).
        for (const keyPrefix of [undefined, "llama"])
            assertSafe(checkModelMetadata(header({ architecture: `llama${hostile}`, ...(keyPrefix != null ? { keyPrefix } : {}) })), /^has an invalid "general\.architecture" \("llama\\n\\u001b\]0;title\\u0007\\u009b\\u202e.*…" \(string\)\)$/);
    });

    it("an unknown tokenizer's name is quoted and cut short", () => {
        assertSafe(checkModelMetadata(header({ tokenizer: `bpe${hostile}` })), /^uses the tokenizer "bpe\\n\\u001b.*…", which Specula cannot complete text with/);
    });

    it("a tensor name with a line break and a C1 escape is quoted", () => {
        const problem = checkModelMetadata(header({ tensors: [tensor("w\n\u009b[31m", [64, 3], 26)] }));
        assertSafe(problem, /^stores tensor "w\\n\\u009b\[31m" as I32, which llama\.cpp cannot use for model weights$/);
    });
});
