// Specula's GGUF header reader on hand-made headers (issue 27): values that cross its 1 MiB read
// window come back whole and right, each bound is accepted at its limit and refused one past it,
// and every refused file is refused for the right reason (the error's kind, not only that it
// throws: a later check would otherwise hide a missing one).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GGUF_MAX_TENSOR_NAME_BYTES, GgufType, headerLimits } from "../../../src/engine/modelFile/ggufFormat";
import { GgufFormatError, isGgufArray, readGgufHeader, type GgufArray, type GgufHeader } from "../../../src/engine/modelFile/readGgufHeader";

const window = 1024 * 1024;

/** Little-endian bytes of a header, written field by field; lengths may lie. */
class HeaderBytes {
    private readonly parts: Buffer[] = [];
    public length = 0;

    public bytes(value: Uint8Array): this {
        this.parts.push(Buffer.from(value));
        this.length += value.length;
        return this;
    }

    public u8(value: number): this { return this.sized(1, (buffer) => buffer.writeUInt8(value)); }
    public u16(value: number): this { return this.sized(2, (buffer) => buffer.writeUInt16LE(value)); }
    public u32(value: number): this { return this.sized(4, (buffer) => buffer.writeUInt32LE(value)); }
    public f32(value: number): this { return this.sized(4, (buffer) => buffer.writeFloatLE(value)); }
    public f64(value: number): this { return this.sized(8, (buffer) => buffer.writeDoubleLE(value)); }
    public u64(value: number | bigint): this { return this.sized(8, (buffer) => buffer.writeBigUInt64LE(BigInt(value))); }

    /** A GGUF string: u64 byte length (the true one unless `declared` is given), then the bytes. */
    public string(value: string | Buffer, declared?: number | bigint): this {
        const encoded = typeof value === "string" ? Buffer.from(value, "utf8") : value;
        return this.u64(declared ?? encoded.length).bytes(encoded);
    }

    /** Magic, version and the two counts. */
    public start(tensors: number | bigint, keyValues: number | bigint, version = 3): this {
        return this.bytes(Buffer.from("GGUF", "latin1")).u32(version).u64(tensors).u64(keyValues);
    }

    public stringValue(key: string, value: string | Buffer, declared?: number | bigint): this {
        return this.string(key).u32(GgufType.String).string(value, declared);
    }

    public u32Value(key: string, value: number): this {
        return this.string(key).u32(GgufType.Uint32).u32(value);
    }

    /** A tensor info record. */
    public tensor(name: string | Buffer, dims: readonly (number | bigint)[], ggmlType: number, dataOffset: number): this {
        this.string(name).u32(dims.length);
        for (const dim of dims)
            this.u64(dim);
        return this.u32(ggmlType).u64(dataOffset);
    }

    /** Zeros up to the next multiple of 32 (where the tensor data starts). */
    public align(): this {
        return this.bytes(Buffer.alloc((32 - this.length % 32) % 32));
    }

    public toBuffer(): Buffer {
        return Buffer.concat(this.parts);
    }

    private sized(bytes: number, write: (buffer: Buffer) => void): this {
        const buffer = Buffer.alloc(bytes);
        write(buffer);
        return this.bytes(buffer);
    }
}

/** The header bytes of a metadata entry "filler" whose value ends exactly at `end`. */
function fillerTo(end: number): HeaderBytes {
    const bytes = new HeaderBytes().start(0, 0);
    const overhead = bytes.length + 8 + "filler".length + 4 + 8;
    return bytes.stringValue("filler", Buffer.alloc(end - overhead, 0x61));
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "specula-gguf-header-"));
let fileCount = 0;

/** Writes `bytes` as a file, with the counts at offsets 8 and 16 set, and reads its header. */
async function read(bytes: HeaderBytes | Buffer, counts?: { tensors: number; keyValues: number }): Promise<GgufHeader> {
    const buffer = bytes instanceof HeaderBytes ? bytes.toBuffer() : bytes;
    if (counts != null) {
        buffer.writeBigUInt64LE(BigInt(counts.tensors), 8);
        buffer.writeBigUInt64LE(BigInt(counts.keyValues), 16);
    }
    const file = path.join(scratch, `${fileCount++}.gguf`);
    fs.writeFileSync(file, buffer);
    try {
        return await readGgufHeader(file);
    } finally {
        fs.rmSync(file);
    }
}

/** Asserts that reading the file throws a GgufFormatError of `kind` whose message matches. */
async function refused(bytes: HeaderBytes | Buffer, counts: { tensors: number; keyValues: number } | undefined, kind: GgufFormatError["kind"], message: RegExp): Promise<void> {
    await assert.rejects(read(bytes, counts), (error: unknown) => {
        assert.ok(error instanceof GgufFormatError, `not a GgufFormatError: ${String(error)}`);
        assert.equal(error.kind, kind, error.message);
        assert.match(error.message, message);
        return true;
    });
}

/** ASCII and two-byte characters, so that a cut or a shifted read shows. */
const pattern = "abcdéfghijklmnopqrsétuvwxyz0123456789ABCéDEFGHIJKLMNOPQRéSTUVWXYZ";

function text(length: number, seed = 0): string {
    const start = seed % pattern.length;
    return pattern.repeat(Math.ceil((length + start) / pattern.length)).slice(start, start + length);
}

function array(header: GgufHeader, key: string): GgufArray {
    const value = header.metadata.get(key)?.value;
    assert.ok(value != null && isGgufArray(value), `${key} is not an array`);
    return value;
}

describe("readGgufHeader on hand-made headers", () => {
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    describe("values across its 1 MiB read window come back whole and right", () => {

        it("a 5 000-character string that crosses the window", async () => {
            const value = text(5000);
            const bytes = fillerTo(window - 2500 - 8 - "text".length - 4 - 8).stringValue("text", value);
            const header = await read(bytes, { tensors: 0, keyValues: 2 });
            const entry = header.metadata.get("text")!;
            assert.ok(entry.valueOffset + 8 < window && entry.end > window, `the string is at ${entry.valueOffset}..${entry.end}`);
            assert.equal((entry.value as string).length, value.length, "the string came back cut short");
            assert.ok(entry.value === value, "the string came back different");
        });

        it("a string that starts at every byte offset around the window's end: its length field and its bytes split anywhere", async () => {
            for (let shift = 0; shift <= 24; shift++) {
                const value = text(9, shift);
                const bytes = fillerTo(window - shift).stringValue("k", value).u32Value("after", 7);
                const header = await read(bytes, { tensors: 0, keyValues: 3 });
                assert.equal(header.metadata.get("k")?.value, value, `shift ${shift}`);
                assert.equal(header.metadata.get("after")?.value, 7, `shift ${shift}`);
            }
        });

        it("an array header split at each of its bytes by the window's end", async () => {
            for (let shift = 1; shift < 12; shift++) {
                const bytes = fillerTo(window - 8 - 1 - 4 - shift).string("a").u32(GgufType.Array).u32(GgufType.Uint8).u64(3).u8(1).u8(2).u8(3);
                const header = await read(bytes, { tensors: 0, keyValues: 2 });
                assert.deepEqual(array(header, "a").items, [1, 2, 3], `shift ${shift}`);
            }
        });

        it("a 3 MiB string, longer than the window, read whole", async () => {
            const value = text(3 * window);
            const header = await read(new HeaderBytes().start(0, 2).stringValue("small", "x").stringValue("big", value));
            assert.equal(header.metadata.get("big")?.value, value);
        });

        it("a scalar of each width split at each of its bytes by the window's end", async () => {
            const scalars: Array<[GgufType, number, (bytes: HeaderBytes) => HeaderBytes, unknown]> = [
                [GgufType.Uint64, 8, (bytes) => bytes.u64(0x0102030405060708n), 0x0102030405060708n],
                [GgufType.Float64, 8, (bytes) => bytes.f64(-1.5e300), -1.5e300],
                [GgufType.Float32, 4, (bytes) => bytes.f32(0.25), 0.25],
                [GgufType.Uint16, 2, (bytes) => bytes.u16(0xbeef), 0xbeef]
            ];
            for (const [type, width, write, expected] of scalars)
                for (let shift = 1; shift < width; shift++) {
                    const bytes = write(fillerTo(window - 8 - 1 - 4 - shift).string("v").u32(type)).u32Value("after", 7);
                    const header = await read(bytes, { tensors: 0, keyValues: 3 });
                    assert.deepEqual([header.metadata.get("v")?.value, header.metadata.get("after")?.value], [expected, 7], `type ${type}, shift ${shift}`);
                }
        });

        it("an array of 300 000 strings of 0 to 16 bytes over three windows (a vocabulary)", async () => {
            const tokens = Array.from({ length: 300_000 }, (_, index) => Buffer.from(text(index % 17, index)).toString("latin1"));
            const bytes = new HeaderBytes().start(0, 1).string("tokenizer.ggml.tokens").u32(GgufType.Array).u32(GgufType.String).u64(tokens.length);
            const items = Buffer.alloc(tokens.reduce((sum, token) => sum + 8 + token.length, 0));
            let at = 0;
            for (const token of tokens) {
                at = items.writeBigUInt64LE(BigInt(token.length), at);
                at += items.write(token, at, "latin1");
            }
            bytes.bytes(items);
            assert.ok(bytes.length > 3 * window, `only ${bytes.length} bytes`);
            const decoded = array(await read(bytes), "tokenizer.ggml.tokens").items;
            assert.equal(decoded.length, tokens.length);
            const wrong = decoded.findIndex((item, index) => item !== tokens[index]);
            assert.equal(wrong, -1, `item ${wrong}: ${JSON.stringify(decoded[wrong])} instead of ${JSON.stringify(tokens[wrong])}`);
        });

        it("arrays of u64 and f32 whose items straddle the window", async () => {
            const u64 = Array.from({ length: 200_000 }, (_, index) => BigInt(index) * 0x100000001n);
            const f32 = Array.from({ length: 300_000 }, (_, index) => index / 4);
            const bytes = new HeaderBytes().start(0, 3).stringValue("odd", "abc");
            bytes.string("u64").u32(GgufType.Array).u32(GgufType.Uint64).u64(u64.length);
            u64.forEach((value) => bytes.u64(value));
            bytes.string("f32").u32(GgufType.Array).u32(GgufType.Float32).u64(f32.length);
            f32.forEach((value) => bytes.f32(value));
            const header = await read(bytes);
            const itemsStart = header.metadata.get("u64")!.valueOffset + 4 + 8;
            assert.ok(itemsStart < window && (window - itemsStart) % 8 !== 0, "no u64 item straddles the window");
            assert.deepEqual(array(header, "u64").items, u64);
            assert.deepEqual(array(header, "f32").items, f32);
        });

        it("a tensor info record split at each of its bytes by the window's end", async () => {
            const name = "blk.0.attn_q.weight";
            const record = 8 + name.length + 4 + 2 * 8 + 4 + 8;
            for (let shift = 0; shift <= record; shift++) {
                const bytes = fillerTo(window - shift).tensor(name, [64, 3], 1, 0).tensor("after", [32], 0, 384);
                bytes.align().bytes(Buffer.alloc(384 + 128));
                const header = await read(bytes, { tensors: 2, keyValues: 1 });
                assert.deepEqual(header.tensors.map((tensor) => [tensor.name, tensor.dims, tensor.ggmlType, tensor.dataOffset, tensor.byteSize]),
                    [[name, [64, 3], 1, 0, 384], ["after", [32], 0, 384, 128]], `shift ${shift}`);
            }
        });
    });

    describe("each bound at its limit and one past it, refused for the right reason", () => {
        it(`a metadata string: ${headerLimits.maxStringBytes} bytes is read whole, one more is corrupt (not merely truncated)`, async () => {
            const atLimit = Buffer.alloc(headerLimits.maxStringBytes, "abcdefghijklmnopqrstuvwxyz0123456789");
            const header = await read(new HeaderBytes().start(0, 1).stringValue("template", atLimit));
            assert.ok(header.metadata.get("template")?.value === atLimit.toString("latin1"), "the string at the limit came back different");
            await refused(new HeaderBytes().start(0, 1).stringValue("template", Buffer.alloc(headerLimits.maxStringBytes + 1, 0x61)), undefined,
                "corrupt", /the value of "template" is declared 16777217 bytes long \(at most 16777216 allowed\)/);
        });

        it("a declared string length the file cannot hold: truncated at the limit, corrupt past it, and at 2³¹ and 2⁶⁴ − 1", async () => {
            const declared = (length: number | bigint) => new HeaderBytes().start(0, 1).stringValue("k", "short", length);
            await refused(declared(headerLimits.maxStringBytes), undefined, "truncated", /the value of "k" needs 16777216 bytes/);
            await refused(declared(headerLimits.maxStringBytes + 1), undefined, "corrupt", /declared 16777217 bytes long/);
            await refused(declared(2 ** 31), undefined, "corrupt", /declared 2147483648 bytes long/);
            await refused(declared(2n ** 64n - 1n), undefined, "corrupt", /declared 18446744073709551615 bytes long/);
        });

        it("a key name and a string item of a vocabulary: the same limit", async () => {
            await refused(new HeaderBytes().start(0, 1).string("k", headerLimits.maxStringBytes).u32(GgufType.Uint8).u8(0), undefined, "truncated", /the name of metadata entry 0 needs 16777216 bytes/);
            await refused(new HeaderBytes().start(0, 1).string("k", headerLimits.maxStringBytes + 1).u32(GgufType.Uint8).u8(0), undefined, "corrupt", /the name of metadata entry 0 is declared 16777217 bytes long/);
            const vocabulary = (declared: number) => new HeaderBytes().start(0, 1).string("tokens").u32(GgufType.Array).u32(GgufType.String).u64(2)
                .string("a").string("b", declared).bytes(Buffer.alloc(64));
            await refused(vocabulary(headerLimits.maxStringBytes), undefined, "truncated", /item 1 of "tokens" needs 16777216 bytes/);
            await refused(vocabulary(headerLimits.maxStringBytes + 1), undefined, "corrupt", /item 1 of "tokens" is declared 16777217 bytes long/);
            // Read in the window as two u32 halves: the high half counts.
            await refused(vocabulary(2 ** 32 + 1), undefined, "corrupt", /item 1 of "tokens" is declared 4294967297 bytes long/);
        });

        it(`a tensor name: ${GGUF_MAX_TENSOR_NAME_BYTES} bytes is read, ${GGUF_MAX_TENSOR_NAME_BYTES + 1} is corrupt`, async () => {
            const tensorFile = (name: string) => new HeaderBytes().start(1, 0).tensor(name, [8], 0, 0).align().bytes(Buffer.alloc(32));
            const longest = "t".repeat(GGUF_MAX_TENSOR_NAME_BYTES);
            assert.equal((await read(tensorFile(longest))).tensors[0]?.name, longest);
            await refused(tensorFile(`${longest}t`), undefined, "corrupt", /the name of tensor 0 is declared 64 bytes long \(at most 63 allowed\)/);
        });

        it(`an array: ${headerLimits.maxArrayLength} items is only truncated in a short file, one more is corrupt`, async () => {
            const declared = (length: number, itemType = GgufType.Uint8) => new HeaderBytes().start(0, 1).string("a").u32(GgufType.Array).u32(itemType).u64(length).bytes(Buffer.alloc(64));
            await refused(declared(headerLimits.maxArrayLength), undefined, "truncated", /the metadata array "a" declares 16777216 items, more than the 64 bytes left can hold/);
            await refused(declared(headerLimits.maxArrayLength + 1), undefined, "corrupt", /declares 16777217 items \(at most 16777216 allowed\)/);
            // 8 bytes per item: 8 items fit in the 64 bytes left, 9 do not.
            assert.equal(array(await read(declared(8, GgufType.Uint64)), "a").length, 8);
            await refused(declared(9, GgufType.Uint64), undefined, "truncated", /declares 9 items, more than the 64 bytes left/);
            assert.equal(array(await read(declared(8, GgufType.String)), "a").length, 8);
            await refused(declared(9, GgufType.String), undefined, "truncated", /declares 9 items/);
        });

        it(`the counts: ${headerLimits.maxKeyValues} metadata entries and ${headerLimits.maxTensors} tensors are only truncated in a short file, one more is corrupt`, async () => {
            await refused(new HeaderBytes().start(0, headerLimits.maxKeyValues), undefined, "truncated", /declares 1000000 metadata entries, more than its 24 bytes can hold/);
            await refused(new HeaderBytes().start(0, headerLimits.maxKeyValues + 1), undefined, "corrupt", /declares 1000001 metadata entries, which is not plausible/);
            await refused(new HeaderBytes().start(headerLimits.maxTensors, 0), undefined, "truncated", /declares 1000000 tensors, more than/);
            await refused(new HeaderBytes().start(headerLimits.maxTensors + 1, 0), undefined, "corrupt", /declares 1000001 tensors, which is not plausible/);
            await refused(new HeaderBytes().start(2n ** 63n, 0), undefined, "corrupt", /declares 9223372036854775808 tensors/);
            // 14 bytes is the smallest metadata entry: two of them fit in 28 bytes, three do not.
            const entries = (count: number) => new HeaderBytes().start(0, count).string("a").u32(GgufType.Uint8).u8(1).string("b").u32(GgufType.Uint8).u8(2);
            assert.equal((await read(entries(2))).metadata.size, 2);
            await refused(entries(3), undefined, "truncated", /declares 3 metadata entries, more than its 52 bytes can hold/);
        });

        it("the header's size: at the limit it is read, one byte past it is corrupt", async () => {
            const limits = headerLimits as { maxHeaderBytes: number };
            const saved = limits.maxHeaderBytes;
            const bytes = new HeaderBytes().start(0, 1).stringValue("k", "0123456789");
            limits.maxHeaderBytes = bytes.length;
            try {
                assert.equal((await read(bytes)).metadata.get("k")?.value, "0123456789");
                limits.maxHeaderBytes = bytes.length - 1;
                await refused(bytes, undefined, "corrupt", /its header is larger than/);
            } finally {
                limits.maxHeaderBytes = saved;
            }
        });

        it("tensor dimensions: 1 to 4 are read; 0 and 5 are corrupt; an extent of 0 or 2⁵³ and a product past 2⁵³ are corrupt", async () => {
            const tensorFile = (dims: readonly (number | bigint)[], ggmlType = 0) => new HeaderBytes().start(1, 0).tensor("t", dims, ggmlType, 0).align().bytes(Buffer.alloc(64));
            assert.deepEqual((await read(tensorFile([2, 2, 1, 2]))).tensors[0]?.dims, [2, 2, 1, 2]);
            await refused(tensorFile([1, 1, 1, 1, 1]), undefined, "corrupt", /tensor "t" has 5 dimensions \(1 to 4 allowed\)/);
            await refused(tensorFile([]), undefined, "corrupt", /tensor "t" has 0 dimensions/);
            await refused(tensorFile([4, 0]), undefined, "corrupt", /tensor "t" has an invalid dimension 0/);
            // The largest extent and product pass these checks and are then refused for their data.
            await refused(tensorFile([2 ** 53 - 1], 24), undefined, "truncated", /tensor "t" needs bytes 64\.\.\d+ but the file has 128/);
            await refused(tensorFile([2n ** 53n], 24), undefined, "corrupt", /invalid dimension 9007199254740992/);
            await refused(tensorFile([2 ** 26, 2 ** 27 - 1], 24), undefined, "truncated", /tensor "t" needs bytes/);
            await refused(tensorFile([2 ** 26, 2 ** 27], 24), undefined, "corrupt", /67108864 × 134217728 values, which is not plausible/);
        });
    });

    describe("every other refusal, with its kind", () => {
        const tensors = (...records: Array<[name: string, dims: number[], type: number, offset: number]>) => {
            const bytes = new HeaderBytes().start(records.length, 0);
            for (const [name, dims, type, offset] of records)
                bytes.tensor(name, dims, type, offset);
            return bytes.align();
        };

        it("not GGUF: three bytes, a wrong magic", async () => {
            await refused(Buffer.from("GGU"), undefined, "not GGUF", /it has only 3 bytes/);
            await refused(Buffer.from("GGML0000000000000000000000000000"), undefined, "not GGUF", /wrong magic bytes/);
        });

        it("versions 2 and 3 are read; 1 and 4 are unsupported", async () => {
            assert.equal((await read(new HeaderBytes().start(0, 0, 2))).version, 2);
            assert.equal((await read(new HeaderBytes().start(0, 0, 3))).version, 3);
            await refused(new HeaderBytes().start(0, 0, 1), undefined, "unsupported", /GGUF version 1 \(expected 2 or 3\)/);
            await refused(new HeaderBytes().start(0, 0, 4), undefined, "unsupported", /GGUF version 4/);
        });

        it("a file cut inside the counts, a key, a type, a value or a tensor info is truncated", async () => {
            // A cut that leaves less than the smallest entry (14 bytes) or tensor info (33) is caught by the counts.
            const entry = new HeaderBytes().start(0, 1).u32Value("general.alignment", 32).toBuffer();
            const name = "n".repeat(30);
            const list = new HeaderBytes().start(0, 1).string("general.alignment").u32(GgufType.Array).u32(GgufType.Uint8).u64(0).toBuffer();
            const tensor = new HeaderBytes().start(1, 0).tensor(name, [8], 0, 0).toBuffer();
            const cuts: Array<[Buffer, number, RegExp]> = [
                [entry, 20, /the header needs 20 bytes at offset 4 but the file ends at byte 20/],
                [entry, 24 + 13, /it declares 1 metadata entries, more than its 37 bytes can hold/],
                [entry, 24 + 8 + 10, /the name of metadata entry 0 needs 17 bytes at offset 32 but the file ends at byte 42/],
                [entry, 24 + 8 + 17 + 2, /the type of "general\.alignment" needs 4 bytes at offset 49/],
                [entry, 24 + 8 + 17 + 4 + 3, /the value of "general\.alignment" needs 4 bytes at offset 53/],
                [list, list.length - 3, /the array header of "general\.alignment" needs 12 bytes at offset 53/],
                [tensor, 24 + 32, /it declares 1 tensors, more than its 56 bytes can hold/],
                [tensor, 24 + 8 + 28, /the name of tensor 0 needs 30 bytes at offset 32/],
                [tensor, 24 + 8 + 30 + 2, new RegExp(`the dimension count of tensor "${name}" needs 4 bytes at offset 62`)],
                [tensor, 24 + 8 + 30 + 4 + 8, new RegExp(`the shape of tensor "${name}" needs 20 bytes at offset 66`)]
            ];
            for (const [whole, length, message] of cuts)
                await refused(whole.subarray(0, length), undefined, "truncated", message);
        });

        it("an invalid value type, array item type or alignment, an empty or repeated key are corrupt", async () => {
            const entry = (type: number) => new HeaderBytes().start(0, 1).string("k").u32(type).u64(0);
            await refused(entry(13), undefined, "corrupt", /the metadata key "k" has invalid value type 13/);
            const arrayOf = (itemType: number) => new HeaderBytes().start(0, 1).string("k").u32(GgufType.Array).u32(itemType).u64(0);
            await refused(arrayOf(GgufType.Array), undefined, "corrupt", /the metadata array "k" has invalid item type 9/);
            await refused(arrayOf(13), undefined, "corrupt", /invalid item type 13/);
            await refused(new HeaderBytes().start(0, 1).u32Value("", 1), undefined, "corrupt", /metadata entry 0 has an empty name/);
            await refused(new HeaderBytes().start(0, 2).u32Value("k", 1).u32Value("k", 2), undefined, "corrupt", /the metadata key "k" appears twice/);
            for (const alignment of [0, 48])
                await refused(new HeaderBytes().start(0, 1).u32Value("general.alignment", alignment), undefined, "corrupt", new RegExp(`"general.alignment" is ${alignment}, not a power of 2`));
            await refused(new HeaderBytes().start(0, 1).string("general.alignment").u32(GgufType.Uint64).u64(64), undefined, "corrupt", /"general\.alignment" has type u64, not u32/);
        });

        it("a declared alignment of 64 places the data", async () => {
            const bytes = new HeaderBytes().start(1, 1).u32Value("general.alignment", 64).tensor("t", [8], 0, 0);
            const dataStart = Math.ceil(bytes.length / 64) * 64;
            const header = await read(bytes.bytes(Buffer.alloc(dataStart - bytes.length + 32)));
            assert.deepEqual([header.alignment, header.dataStart], [64, dataStart]);
        });

        it("an unknown ggml type, a row that is not whole blocks, a repeated tensor name are corrupt", async () => {
            for (const type of [4, 43, 2 ** 32 - 1])
                await refused(tensors(["t", [32], type, 0]).bytes(Buffer.alloc(64)), undefined, "corrupt", new RegExp(`tensor "t" has unknown ggml type ${type}`));
            await refused(tensors(["t", [48], 8, 0]).bytes(Buffer.alloc(64)), undefined, "corrupt", /rows of 48 values, not a multiple of the Q8_0 block size 32/);
            await refused(tensors(["t", [8], 0, 0], ["t", [8], 0, 32]).bytes(Buffer.alloc(64)), undefined, "corrupt", /the tensor name "t" appears twice/);
        });

        it("tensor data past the end of the file is truncated; tensors that overlap or leave gaps are corrupt", async () => {
            const two = (secondOffset: number, dataBytes: number) => tensors(["a", [8], 0, 0], ["b", [8], 0, secondOffset]).bytes(Buffer.alloc(dataBytes));
            assert.equal((await read(two(32, 64))).tensors.length, 2);
            await refused(two(32, 63), undefined, "truncated", /tensor "b" needs bytes \d+\.\.\d+ but the file has/);
            await refused(two(0, 64), undefined, "corrupt", /tensor "b" starts at data offset 0, expected 32 \(tensors overlap or leave gaps\)/);
            await refused(two(64, 96), undefined, "corrupt", /tensor "b" starts at data offset 64, expected 32/);
            // The tensor infos end where the padding before the data would start: the file ends there.
            const unpadded = new HeaderBytes().start(1, 0).tensor("t", [8], 0, 0);
            await refused(unpadded, undefined, "truncated", /its header ends at byte 64 but the file has 57/);
        });
    });

    describe("names taken from the file are quoted and cut short in its messages (issue 23)", () => {
        it("a key of 100 000 bytes of line breaks, terminal escapes and C1 controls", async () => {
            const hostile = Buffer.concat(Array.from({ length: 10_000 }, () => Buffer.from("\n\u001b[2J\u009b\u202e\u0000", "utf8")));
            await assert.rejects(read(new HeaderBytes().start(0, 1).string(hostile).u32(13).u64(0)), (error: unknown) => {
                assert.ok(error instanceof GgufFormatError && error.kind === "corrupt", String(error));
                assert.ok(error.message.length < 400, `${error.message.length} characters: ${JSON.stringify(error.message.slice(0, 300))}`);
                assert.doesNotMatch(error.message, /[\u0000-\u001f\u007f-\u009f\u202e]/);
                assert.match(error.message, /^the metadata key "\\n\\u001b\[2J\\u009b\\u202e\\u0000\\n.*…" has invalid value type 13$/);
                return true;
            });
        });

        it("a tensor name with a line break and an escape", async () => {
            const bytes = new HeaderBytes().start(1, 0).tensor("t\n\u001b[31m", [8], 77, 0).align().bytes(Buffer.alloc(32));
            await refused(bytes, undefined, "corrupt", /^tensor "t\\n\\u001b\[31m" has unknown ggml type 77$/);
        });
    });
});
