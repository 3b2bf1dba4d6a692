import * as fs from "node:fs/promises";
import * as path from "node:path";
import { checkModelMetadata } from "./checkModelMetadata";
import { loadNodeLlamaCpp, type GgufFileInfo } from "../llamaTypes";
import { GgufFormatError, readGgufHeader, type GgufHeader } from "./readGgufHeader";
import { quoted, SpeculaError } from "../SpeculaError";

/** A model file that passed Specula's own checks, without node-llama-cpp having read it. */
export interface CheckedModelFile {
    readonly path: string;
    readonly sizeBytes: number;
    readonly architecture: string;
    readonly name: string;
    readonly header: GgufHeader;
}

/** What the engine needs to know about a model file before it dares to load it. */
export interface ModelFileSummary extends CheckedModelFile {
    readonly info: GgufFileInfo;
}

/**
 * Checks a GGUF file from the outside in — exists, is a readable regular file, then its header
 * with Specula's own bounded reader (structure), then its metadata against what llama.cpp asserts
 * on — without node-llama-cpp or llama.cpp touching it. Every problem is a SpeculaError whose
 * message is one line naming the file.
 */
export async function checkModelFile(filePath: string, role = "model"): Promise<CheckedModelFile> {
    const shown = `${role} file ${quoted(filePath)}`;
    const unreadable = (error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        return new SpeculaError("FILE_UNREADABLE", `The ${shown} cannot be read (${code ?? String(error)}).`, { cause: error });
    };
    let stat;
    try {
        stat = await fs.stat(filePath);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR")
            throw new SpeculaError("FILE_NOT_FOUND", `The ${shown} does not exist.`);
        throw unreadable(error);
    }
    if (stat.isDirectory())
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is a directory, not a GGUF model file.`);
    if (!stat.isFile())
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is not a regular file.`);
    if (stat.size === 0)
        throw new SpeculaError("INVALID_GGUF", `The ${shown} is empty.`);

    let header: GgufHeader;
    try {
        header = await readGgufHeader(filePath);
    } catch (error) {
        if (!(error instanceof GgufFormatError))
            throw unreadable(error);
        switch (error.kind) {
            case "not GGUF": throw new SpeculaError("INVALID_GGUF", `The ${shown} is not a GGUF file (${error.message}).`);
            case "unsupported": throw new SpeculaError("INVALID_GGUF", `The ${shown} has unsupported ${error.message}.`);
            default: throw new SpeculaError("INVALID_GGUF", `The ${shown} is ${error.kind}: ${error.message}.`);
        }
    }
    const problem = checkModelMetadata(header);
    if (problem != null)
        throw new SpeculaError("INVALID_GGUF", `The ${shown} ${problem}.`);
    const architecture = header.metadata.get("general.architecture")!.value as string;
    const declaredName = header.metadata.get("general.name")?.value;
    const name = typeof declaredName === "string" && declaredName !== "" ? declaredName : path.basename(filePath);
    return { path: filePath, sizeBytes: stat.size, architecture, name, header };
}

/**
 * {@link checkModelFile}, then node-llama-cpp's own reading of the header (which the engine's
 * memory estimate and vocabulary comparison use). By then every declared length is known to fit
 * the file, so that reader cannot be made to allocate or loop without bound.
 */
export async function validateModelFile(filePath: string, role = "model"): Promise<ModelFileSummary> {
    const checked = await checkModelFile(filePath, role);
    const { readGgufFileInfo } = await loadNodeLlamaCpp();
    let info: GgufFileInfo;
    try {
        info = await readGgufFileInfo(filePath, { logWarnings: false, spliceSplitFiles: false });
    } catch (error) {
        const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new SpeculaError("INVALID_GGUF", `The ${role} file ${quoted(filePath)} is corrupt: ${detail}`, { cause: error });
    }
    return { ...checked, info };
}

/** Metadata sections nest on dots ("attention.head_count"); flatten one section to dotted keys. */
function flatten(section: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
    if (section == null || typeof section !== "object" || Array.isArray(section))
        return out;
    for (const [key, value] of Object.entries(section))
        if (value != null && typeof value === "object" && !Array.isArray(value))
            flatten(value, `${prefix}${key}.`, out);
        else
            out[`${prefix}${key}`] = value;
    return out;
}

export { flatten as flattenGgufSection };
