// Pinned SHA-256 checks of model files. Hashing a multi-GB model takes many seconds, so a match is
// remembered — in Specula's own storage (never next to the user's model), for the file exactly as
// the kernel last saw it change: device, inode, size, modification time and change time (ctime).
// `touch -r` restores a modification time but cannot restore ctime, so a file rewritten with the
// same size and its old timestamp is hashed again.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { quoted } from "../engine/SpeculaError";
import { HostError } from "./HostError";

export interface VerifyOptions {
    readonly signal?: AbortSignal | undefined;
    /** Delete a file that does not match (a download Specula made). Defaults to false. */
    readonly deleteOnMismatch?: boolean | undefined;
    /** Folder of Specula's own state; without it every check hashes the whole file. */
    readonly stateDirectory?: string | undefined;
}

interface VerifiedEntry {
    readonly sha256: string;
    readonly path: string;
    /** dev:ino:size:mtimeNs:ctimeNs, from a bigint stat. */
    readonly identity: string;
}

const stateFileName = "verified-sha256.json";
/** Entries kept: a few model pairs' worth. */
const maxEntries = 64;

/** Throws CHECKSUM_MISMATCH (with both hashes) unless the file's SHA-256 is `expected`. */
export async function verifySha256(filePath: string, expected: string, shown: string, options: VerifyOptions = {}): Promise<void> {
    const wanted = expected.toLowerCase();
    const identity = await identityOf(filePath);
    const statePath = options.stateDirectory != null && options.stateDirectory !== "" ? path.join(options.stateDirectory, stateFileName) : undefined;
    const entries = statePath != null ? await readEntries(statePath) : [];
    if (entries.some((entry) => entry.sha256 === wanted && entry.path === filePath && entry.identity === identity))
        return;
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(filePath, options.signal != null ? { signal: options.signal } : {}))
        hash.update(chunk as Buffer);
    const actual = hash.digest("hex");
    if (actual !== wanted) {
        if (options.deleteOnMismatch === true)
            await fs.rm(filePath, { force: true });
        throw new HostError(
            "CHECKSUM_MISMATCH",
            `The ${shown} file ${quoted(filePath)} has SHA-256 ${actual}, not the pinned ${wanted}${options.deleteOnMismatch === true ? "; it was deleted" : ""}.`
        );
    }
    // Remember the match only if the file did not change while it was hashed.
    if (statePath != null && await identityOf(filePath) === identity) {
        const kept = entries.filter((entry) => entry.path !== filePath).slice(-(maxEntries - 1));
        await writeEntries(statePath, [...kept, { sha256: wanted, path: filePath, identity }]).catch(() => undefined);
    }
}

async function identityOf(filePath: string): Promise<string> {
    const stat = await fs.stat(filePath, { bigint: true });
    return [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join(":");
}

async function readEntries(statePath: string): Promise<VerifiedEntry[]> {
    try {
        const parsed = JSON.parse(await fs.readFile(statePath, "utf8")) as { entries?: unknown };
        return Array.isArray(parsed.entries)
            ? parsed.entries.filter((entry): entry is VerifiedEntry =>
                entry != null && typeof entry.sha256 === "string" && typeof entry.path === "string" && typeof entry.identity === "string")
            : [];
    } catch {
        return [];
    }
}

async function writeEntries(statePath: string, entries: readonly VerifiedEntry[]): Promise<void> {
    await fs.mkdir(path.dirname(statePath), { recursive: true });
    const temporary = `${statePath}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify({ entries }));
    await fs.rename(temporary, statePath);
}
