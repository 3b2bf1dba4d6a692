import * as fs from "node:fs/promises";
import * as path from "node:path";
import { SpeculaError } from "./SpeculaError";
import { loadNodeLlamaCpp, type GgufFileInfo } from "./llamaTypes";

/** What the engine needs to know about a model file before it dares to load it. */
export interface ModelFileSummary {
    readonly path: string;
    readonly sizeBytes: number;
    readonly architecture: string;
    readonly name: string;
    readonly info: GgufFileInfo;
}

// Bytes per block and values per block of the ggml types a GGUF model commonly uses. Types not
// listed here skip the exact size check but still get the "data starts inside the file" check.
const ggmlTypeLayout: Record<number, readonly [bytes: number, values: number]> = {
    0: [4, 1], 1: [2, 1], 30: [2, 1], 2: [18, 32], 3: [20, 32], 6: [22, 32], 7: [24, 32], 8: [34, 32],
    10: [84, 256], 11: [110, 256], 12: [144, 256], 13: [176, 256], 14: [210, 256], 15: [292, 256]
};

// Keys without which llama.cpp either refuses the file or, worse, aborts the whole process.
const requiredArchitectureKeys = [
    "context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count"
];

const maxTensorCount = 100_000;

/**
 * Checks a GGUF file from the outside in (exists, readable, magic, version, header, required keys,
 * tensor data inside the file) so that a bad file becomes a clear error instead of a native abort.
 */
export async function validateModelFile(filePath: string, role = "model"): Promise<ModelFileSummary> {
    const shown = `${role} file "${filePath}"`;
    let stat;
    try {
        stat = await fs.stat(filePath);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR")
            throw new SpeculaError("FILE_NOT_FOUND", `The ${shown} does not exist.`);
        throw new SpeculaError("FILE_UNREADABLE", `The ${shown} cannot be read (${code ?? String(error)}).`);
    }
    if (stat.isDirectory())
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is a directory, not a GGUF model file.`);
    if (!stat.isFile())
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is not a regular file.`);
    if (stat.size === 0)
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is empty.`);

    const header = Buffer.alloc(24);
    let handle: fs.FileHandle | undefined;
    try {
        handle = await fs.open(filePath, "r");
        await handle.read(header, 0, header.length, 0);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new SpeculaError("FILE_UNREADABLE", `The ${shown} cannot be read (${code ?? String(error)}).`);
    } finally {
        await handle?.close();
    }
    if (header.toString("latin1", 0, 4) !== "GGUF")
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is not a GGUF file (wrong magic bytes).`);
    if (stat.size < 24)
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is truncated: it has ${stat.size} bytes, fewer than a GGUF header.`);
    const version = header.readUInt32LE(4);
    if (version !== 2 && version !== 3)
        throw new SpeculaError("INVALID_GGUF", `The ${shown} has unsupported GGUF version ${version} (expected 2 or 3).`);
    const tensorCount = header.readBigUInt64LE(8);
    if (tensorCount > BigInt(maxTensorCount))
        throw new SpeculaError("INVALID_GGUF", `The ${shown} declares ${tensorCount} tensors, which is not plausible; the file is corrupt.`);

    const { readGgufFileInfo } = await loadNodeLlamaCpp();
    let info: GgufFileInfo;
    try {
        info = await readGgufFileInfo(filePath, { logWarnings: false, spliceSplitFiles: false });
    } catch (error) {
        const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is corrupt or truncated: ${detail}`, { cause: error });
    }

    // readGgufFileInfo reads past the end of a truncated file as if it held zeros, so the header's
    // own extent has to be checked against the real size first: a header cut short would otherwise
    // be reported as "lacks required keys".
    if (info.infoEndOffset != null && info.infoEndOffset > stat.size)
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is truncated: its header ends at byte ${info.infoEndOffset} but the file has ${stat.size}.`);

    const metadata = info.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
    const architecture = (metadata.general?.architecture as string | undefined) ?? "";
    if (architecture === "")
        throw new SpeculaError("INVALID_GGUF", `The ${shown} has no "general.architecture" key.`);
    const archMetadata = flatten(metadata[architecture]);
    const missing = requiredArchitectureKeys.filter((key) => archMetadata[key] == null);
    if (missing.length > 0)
        throw new SpeculaError("INVALID_GGUF", `The ${shown} lacks required keys: ${missing.map((key) => `${architecture}.${key}`).join(", ")}.`);
    const tokenizer = flatten(metadata.tokenizer);
    if (tokenizer["ggml.model"] == null || !Array.isArray(tokenizer["ggml.tokens"]))
        throw new SpeculaError("INVALID_GGUF", `The ${shown} has no tokenizer vocabulary ("tokenizer.ggml.model" / "tokenizer.ggml.tokens").`);

    checkTensorData(info, stat.size, shown);

    const name = (metadata.general?.name as string | undefined) ?? path.basename(filePath);
    return { path: filePath, sizeBytes: stat.size, architecture, name, info };
}

function checkTensorData(info: GgufFileInfo, fileSize: number, shown: string): void {
    const tensors = info.tensorInfo ?? [];
    if (tensors.length === 0)
        throw new SpeculaError("INVALID_GGUF", `The ${shown} contains no tensors.`);
    for (const tensor of tensors) {
        const start = Number(tensor.fileOffset);
        let values = 1;
        for (const dimension of tensor.dimensions) {
            const size = Number(dimension);
            if (!Number.isSafeInteger(size) || size <= 0)
                throw new SpeculaError("INVALID_GGUF", `The ${shown} has tensor "${tensor.name}" with an invalid dimension ${String(dimension)}.`);
            values *= size;
        }
        const layout = ggmlTypeLayout[tensor.ggmlType];
        const bytes = layout == null ? 0 : Math.ceil(values / layout[1]) * layout[0];
        if (!Number.isFinite(start) || start < 0 || start + bytes > fileSize)
            throw new SpeculaError(
                "INVALID_GGUF",
                `The ${shown} is truncated or corrupt: tensor "${tensor.name}" needs bytes ${start}..${start + bytes} but the file has ${fileSize}.`
            );
    }
}

/** Metadata sections nest on dots ("attention.head_count"); flatten one section to dotted keys. */
function flatten(section: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
    if (section == null || typeof section !== "object" || Array.isArray(section))
        return out;
    for (const [key, value] of Object.entries(section)) {
        if (value != null && typeof value === "object" && !Array.isArray(value))
            flatten(value, `${prefix}${key}.`, out);
        else
            out[`${prefix}${key}`] = value;
    }
    return out;
}

export { flatten as flattenGgufSection };
