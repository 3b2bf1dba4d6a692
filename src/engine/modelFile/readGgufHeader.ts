// Specula's own reader of a GGUF header (metadata and tensor infos), written so that no declared
// length can make it crash, allocate, or loop beyond what the file really holds: every string
// length, array length and count is checked against the bytes left in the file (and a fixed
// limit) before anything is read or allocated, and the file is read in chunks of at most 1 MiB.
// node-llama-cpp's readGgufFileInfo trusts declared lengths (a string declared 2³¹+5 bytes long
// aborts Node; an array of 2⁴⁰ entries runs for a minute and dies), so it only ever sees files
// that passed this reader.
import * as fs from "node:fs/promises";
import { quotedFromFile as q } from "../SpeculaError";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAX_DIMS, GGUF_MAX_TENSOR_NAME_BYTES, GgufType, ggmlTypes, ggufScalarBytes, ggufTypeNames, headerLimits } from "./ggufFormat";

export type GgufScalar = number | bigint | boolean | string;

export interface GgufArray {
    readonly itemType: GgufType;
    readonly length: number;
    /**
     * The items. Strings in arrays (token texts, merges) are decoded as latin1, one character per
     * byte, so two byte strings compare equal exactly when llama.cpp's std::string would.
     */
    readonly items: readonly GgufScalar[];
}

export interface GgufKeyValue {
    readonly key: string;
    readonly type: GgufType;
    readonly value: GgufScalar | GgufArray;
    /** Offset of the key's length field. */
    readonly offset: number;
    /** Offset of the value type field. */
    readonly typeOffset: number;
    /** Offset of the value (for arrays: of the item type field). */
    readonly valueOffset: number;
    /** Offset just past the value. */
    readonly end: number;
}

export interface GgufTensorInfo {
    readonly name: string;
    /** Innermost first. */
    readonly dims: readonly number[];
    readonly ggmlType: number;
    /** Offset of the data, relative to the data section. */
    readonly dataOffset: number;
    readonly byteSize: number;
    /** Where this record's fields are in the file (for tests that patch them). */
    readonly at: { readonly record: number; readonly nDims: number; readonly dims: number; readonly type: number; readonly offset: number; readonly end: number };
}

export interface GgufHeader {
    readonly version: number;
    readonly fileSize: number;
    readonly metadata: ReadonlyMap<string, GgufKeyValue>;
    readonly tensors: readonly GgufTensorInfo[];
    readonly alignment: number;
    /** Offset of the tensor count and key-value count fields. */
    readonly countsAt: { readonly tensors: number; readonly keyValues: number };
    /** End of the tensor infos. */
    readonly infoEnd: number;
    /** Start of the tensor data section. */
    readonly dataStart: number;
}

/**
 * Raised for a file that is not a well-formed GGUF file. The message completes the sentence
 * "The … file is {kind}: {message}" and names no file.
 */
export class GgufFormatError extends Error {
    public constructor(public readonly kind: "not GGUF" | "truncated" | "corrupt" | "unsupported", message: string) {
        super(message);
        this.name = "GgufFormatError";
    }
}

const chunkBytes = 1024 * 1024;

/** Reads a file sequentially through one reusable window; never allocates more than asked and bounded. */
class BoundedReader {
    private readonly backing = Buffer.alloc(chunkBytes);
    private window = this.backing.subarray(0, 0);
    private windowStart = 0;
    public position = 0;

    public constructor(private readonly handle: fs.FileHandle, public readonly size: number) {}

    public get remaining(): number {
        return this.size - this.position;
    }

    /** Makes `bytes` bytes at the current position available in the window, or throws "truncated". */
    public async need(bytes: number, what: string): Promise<void> {
        if (bytes > this.remaining)
            throw new GgufFormatError("truncated", `${what} needs ${bytes} bytes at offset ${this.position} but the file ends at byte ${this.size}`);
        if (this.position + bytes <= this.windowStart + this.window.length)
            return;
        const length = Math.min(this.remaining, Math.max(bytes, chunkBytes));
        // Bounded by the bytes left in the file and by the caller's own limit (at most 16 MiB).
        const buffer = length <= this.backing.length ? this.backing : Buffer.alloc(length);
        let filled = 0;
        while (filled < length) {
            const { bytesRead } = await this.handle.read(buffer, filled, length - filled, this.position + filled);
            if (bytesRead === 0)
                throw new GgufFormatError("truncated", `it ended while reading ${what} (the file shrank while it was read)`);
            filled += bytesRead;
        }
        this.window = buffer.subarray(0, length);
        this.windowStart = this.position;
    }

    /** True when `bytes` bytes are already in the window (the fast path of a tight loop). */
    public has(bytes: number): boolean {
        return this.position + bytes <= this.windowStart + this.window.length;
    }

    private take(bytes: number): number {
        const at = this.position - this.windowStart;
        this.position += bytes;
        return at;
    }

    public u8(): number { return this.window.readUInt8(this.take(1)); }
    public i8(): number { return this.window.readInt8(this.take(1)); }
    public u16(): number { return this.window.readUInt16LE(this.take(2)); }
    public i16(): number { return this.window.readInt16LE(this.take(2)); }
    public u32(): number { return this.window.readUInt32LE(this.take(4)); }
    public i32(): number { return this.window.readInt32LE(this.take(4)); }
    public f32(): number { return this.window.readFloatLE(this.take(4)); }
    public f64(): number { return this.window.readDoubleLE(this.take(8)); }
    public u64(): bigint { return this.window.readBigUInt64LE(this.take(8)); }
    public i64(): bigint { return this.window.readBigInt64LE(this.take(8)); }
    /**
     * A latin1 string whose length field and bytes are both already in the window, or undefined
     * (nothing consumed) when the slow path must read or check more.
     */
    public stringInWindow(maxBytes: number): string | undefined {
        const at = this.position - this.windowStart;
        if (at + 8 > this.window.length)
            return undefined;
        // Two u32 halves: cheaper than a BigInt in a loop over 100 000s of tokens.
        if (this.window.readUInt32LE(at + 4) !== 0)
            return undefined;
        const bytes = this.window.readUInt32LE(at);
        if (bytes > maxBytes || at + 8 + bytes > this.window.length)
            return undefined;
        this.position += 8 + bytes;
        return this.window.toString("latin1", at + 8, at + 8 + bytes);
    }

    public text(bytes: number, encoding: "utf8" | "latin1"): string {
        // Buffer.toString stops quietly at the window's end (the numeric reads throw there): a
        // caller that did not make the bytes available would get a string cut short, no error.
        if (!this.has(bytes))
            throw new Error(`Internal error: ${bytes} bytes at offset ${this.position} are not in the read window`);
        const at = this.take(bytes);
        return this.window.toString(encoding, at, at + bytes);
    }
}

/**
 * Parses the header of the GGUF file at `filePath` and checks its structure the way gguf.cpp
 * does (magic, version, counts, key and tensor names, value types, dimensions, ggml types, row
 * sizes, alignment, contiguous tensor data inside the file). Throws GgufFormatError.
 */
export async function readGgufHeader(filePath: string): Promise<GgufHeader> {
    const handle = await fs.open(filePath, "r");
    try {
        const size = (await handle.stat()).size;
        return await parse(new BoundedReader(handle, size));
    } finally {
        await handle.close();
    }
}

async function parse(reader: BoundedReader): Promise<GgufHeader> {
    if (reader.size < 4)
        throw new GgufFormatError("not GGUF", `it has only ${reader.size} bytes`);
    await reader.need(4, "the magic bytes");
    if (reader.text(4, "latin1") !== "GGUF")
        throw new GgufFormatError("not GGUF", "wrong magic bytes");
    await reader.need(4 + 8 + 8, "the header");
    const version = reader.u32();
    if (version !== 2 && version !== 3)
        throw new GgufFormatError("unsupported", `GGUF version ${version} (expected 2 or 3)`);
    const countsAt = { tensors: reader.position, keyValues: reader.position + 8 };
    const tensorCount = reader.u64();
    const keyValueCount = reader.u64();
    // A key-value pair takes at least 8 (key length) + 1 (key) + 4 (type) + 1 (value) bytes; a
    // tensor info at least 8 + 1 + 4 + 8 + 4 + 8.
    checkCount(tensorCount, headerLimits.maxTensors, 33, reader, "tensors");
    checkCount(keyValueCount, headerLimits.maxKeyValues, 14, reader, "metadata entries");

    const metadata = new Map<string, GgufKeyValue>();
    for (let index = 0; index < Number(keyValueCount); index++) {
        const offset = reader.position;
        const key = await readString(reader, "utf8", `the name of metadata entry ${index}`);
        if (key === "")
            throw new GgufFormatError("corrupt", `metadata entry ${index} has an empty name`);
        if (metadata.has(key))
            throw new GgufFormatError("corrupt", `the metadata key ${q(key)} appears twice`);
        await reader.need(4, `the type of ${q(key)}`);
        const typeOffset = reader.position;
        const type = reader.u32() as GgufType;
        const valueOffset = reader.position;
        const value = type === GgufType.Array
            ? await readArray(reader, key)
            : await readScalar(reader, type, key);
        metadata.set(key, { key, type, value, offset, typeOffset, valueOffset, end: reader.position });
        checkHeaderSize(reader);
    }

    let alignment = GGUF_DEFAULT_ALIGNMENT;
    const declaredAlignment = metadata.get("general.alignment");
    if (declaredAlignment != null) {
        if (declaredAlignment.type !== GgufType.Uint32)
            throw new GgufFormatError("corrupt", `"general.alignment" has type ${ggufTypeNames[declaredAlignment.type]}, not u32`);
        alignment = declaredAlignment.value as number;
        if (alignment === 0 || (alignment & (alignment - 1)) !== 0)
            throw new GgufFormatError("corrupt", `"general.alignment" is ${alignment}, not a power of 2`);
    }

    const tensors: GgufTensorInfo[] = [];
    const names = new Set<string>();
    for (let index = 0; index < Number(tensorCount); index++) {
        const record = reader.position;
        const name = await readString(reader, "utf8", `the name of tensor ${index}`, GGUF_MAX_TENSOR_NAME_BYTES);
        if (names.has(name))
            throw new GgufFormatError("corrupt", `the tensor name ${q(name)} appears twice`);
        names.add(name);
        await reader.need(4, `the dimension count of tensor ${q(name)}`);
        const nDimsAt = reader.position;
        const nDims = reader.u32();
        if (nDims < 1 || nDims > GGUF_MAX_DIMS)
            throw new GgufFormatError("corrupt", `tensor ${q(name)} has ${nDims} dimensions (1 to ${GGUF_MAX_DIMS} allowed)`);
        await reader.need(8 * nDims + 4 + 8, `the shape of tensor ${q(name)}`);
        const dimsAt = reader.position;
        const dims: number[] = [];
        let values = 1;
        for (let dim = 0; dim < nDims; dim++) {
            const extent = reader.u64();
            if (extent === 0n || extent > BigInt(Number.MAX_SAFE_INTEGER))
                throw new GgufFormatError("corrupt", `tensor ${q(name)} has an invalid dimension ${extent}`);
            dims.push(Number(extent));
            values *= Number(extent);
        }
        // 2⁵³ values is far beyond any file this reader accepts; the data check below catches the rest.
        if (!Number.isSafeInteger(values))
            throw new GgufFormatError("corrupt", `tensor ${q(name)} has ${dims.join(" × ")} values, which is not plausible`);
        const typeAt = reader.position;
        const ggmlType = reader.u32();
        const layout = ggmlTypes[ggmlType];
        if (layout == null)
            throw new GgufFormatError("corrupt", `tensor ${q(name)} has unknown ggml type ${ggmlType}`);
        if (dims[0]! % layout.blockValues !== 0)
            throw new GgufFormatError("corrupt", `tensor ${q(name)} has rows of ${dims[0]} values, not a multiple of the ${layout.name} block size ${layout.blockValues}`);
        const offsetAt = reader.position;
        const declaredOffset = reader.u64();
        const byteSize = (values / layout.blockValues) * layout.blockBytes;
        tensors.push({
            name, dims, ggmlType, dataOffset: Number(declaredOffset), byteSize,
            at: { record, nDims: nDimsAt, dims: dimsAt, type: typeAt, offset: offsetAt, end: reader.position }
        });
        checkHeaderSize(reader);
    }
    const infoEnd = reader.position;
    const dataStart = tensors.length > 0 ? alignUp(infoEnd, alignment) : infoEnd;
    if (dataStart > reader.size)
        throw new GgufFormatError("truncated", `its header ends at byte ${dataStart} but the file has ${reader.size}`);
    // Each tensor's data inside the file first (the likeliest problem: a cut-off download), then
    // the layout gguf.cpp insists on: tensors back to back, each padded to the alignment.
    for (const tensor of tensors) {
        const start = dataStart + tensor.dataOffset;
        if (start + tensor.byteSize > reader.size)
            throw new GgufFormatError("truncated", `tensor ${q(tensor.name)} needs bytes ${start}..${start + tensor.byteSize} but the file has ${reader.size}`);
    }
    let expectedOffset = 0;
    for (const tensor of tensors) {
        if (tensor.dataOffset !== expectedOffset)
            throw new GgufFormatError("corrupt", `tensor ${q(tensor.name)} starts at data offset ${tensor.dataOffset}, expected ${expectedOffset} (tensors overlap or leave gaps)`);
        expectedOffset = alignUp(expectedOffset + tensor.byteSize, alignment);
    }
    return { version, fileSize: reader.size, metadata, tensors, alignment, countsAt, infoEnd, dataStart };
}

function checkCount(count: bigint, limit: number, minBytesEach: number, reader: BoundedReader, what: string): void {
    if (count > BigInt(limit))
        throw new GgufFormatError("corrupt", `it declares ${count} ${what}, which is not plausible`);
    if (count * BigInt(minBytesEach) > BigInt(reader.remaining))
        throw new GgufFormatError("truncated", `it declares ${count} ${what}, more than its ${reader.size} bytes can hold`);
}

function checkHeaderSize(reader: BoundedReader): void {
    if (reader.position > headerLimits.maxHeaderBytes)
        throw new GgufFormatError("corrupt", `its header is larger than ${headerLimits.maxHeaderBytes / 1024 / 1024} MiB, which is not plausible`);
}

async function readString(reader: BoundedReader, encoding: "utf8" | "latin1", what: string, maxBytes: number = headerLimits.maxStringBytes): Promise<string> {
    if (!reader.has(8))
        await reader.need(8, what);
    const declared = reader.u64();
    if (declared > BigInt(maxBytes))
        throw new GgufFormatError("corrupt", `${what} is declared ${declared} bytes long (at most ${maxBytes} allowed)`);
    const bytes = Number(declared);
    if (!reader.has(bytes))
        await reader.need(bytes, what);
    return reader.text(bytes, encoding);
}

async function readScalar(reader: BoundedReader, type: GgufType, key: string): Promise<GgufScalar> {
    if (type === GgufType.String)
        return readString(reader, "utf8", `the value of ${q(key)}`);
    const bytes = ggufScalarBytes[type];
    if (bytes == null)
        throw new GgufFormatError("corrupt", `the metadata key ${q(key)} has invalid value type ${type}`);
    if (!reader.has(bytes))
        await reader.need(bytes, `the value of ${q(key)}`);
    return readFixed(reader, type);
}

function readFixed(reader: BoundedReader, type: GgufType): GgufScalar {
    switch (type) {
        case GgufType.Uint8: return reader.u8();
        case GgufType.Int8: return reader.i8();
        case GgufType.Uint16: return reader.u16();
        case GgufType.Int16: return reader.i16();
        case GgufType.Uint32: return reader.u32();
        case GgufType.Int32: return reader.i32();
        case GgufType.Float32: return reader.f32();
        case GgufType.Bool: return reader.u8() !== 0;
        case GgufType.Uint64: return reader.u64();
        case GgufType.Int64: return reader.i64();
        default: return reader.f64();
    }
}

async function readArray(reader: BoundedReader, key: string): Promise<GgufArray> {
    await reader.need(4 + 8, `the array header of ${q(key)}`);
    const itemType = reader.u32() as GgufType;
    const declared = reader.u64();
    const itemBytes = itemType === GgufType.String ? 8 : ggufScalarBytes[itemType];
    if (itemBytes == null)
        throw new GgufFormatError("corrupt", `the metadata array ${q(key)} has invalid item type ${itemType}`);
    if (declared > BigInt(headerLimits.maxArrayLength))
        throw new GgufFormatError("corrupt", `the metadata array ${q(key)} declares ${declared} items (at most ${headerLimits.maxArrayLength} allowed)`);
    if (declared * BigInt(itemBytes) > BigInt(reader.remaining))
        throw new GgufFormatError("truncated", `the metadata array ${q(key)} declares ${declared} items, more than the ${reader.remaining} bytes left can hold`);
    const length = Number(declared);
    const items: GgufScalar[] = new Array<GgufScalar>(length);
    if (itemType === GgufType.String)
        for (let index = 0; index < length; index++)
            items[index] = reader.stringInWindow(headerLimits.maxStringBytes) ?? await readString(reader, "latin1", `item ${index} of ${q(key)}`);
    else
        for (let index = 0; index < length; index++) {
            if (!reader.has(itemBytes))
                await reader.need(itemBytes, `item ${index} of ${q(key)}`);
            items[index] = readFixed(reader, itemType);
        }
    return { itemType, length, items };
}

function alignUp(value: number, alignment: number): number {
    return Math.ceil(value / alignment) * alignment;
}

/** The value of a metadata key when it is a number of any numeric type, else undefined. */
export function numericValue(entry: GgufKeyValue | undefined): number | undefined {
    if (entry == null || entry.type === GgufType.Array || entry.type === GgufType.String || entry.type === GgufType.Bool)
        return undefined;
    return Number(entry.value);
}

export function isGgufArray(value: GgufScalar | GgufArray): value is GgufArray {
    return typeof value === "object";
}
