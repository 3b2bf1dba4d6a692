import * as fs from "node:fs/promises";
import * as path from "node:path";
import { quoted, SpeculaError } from "../engine/SpeculaError";
import { ensureFixtures } from "../fixtures/generateFixtures";

/**
 * Checks, before any work, that `dir` is a folder or can be made one: it, or the nearest part of
 * its path that exists, must be a folder. `option` names the argument in the message ("--out").
 */
export async function checkOutputFolder(dir: string, option: string): Promise<void> {
    const wanted = path.resolve(dir);
    let current = wanted;
    for (;;) {
        let stats: Awaited<ReturnType<typeof fs.stat>>;
        try {
            stats = await fs.stat(current);
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            const parent = path.dirname(current);
            if ((code === "ENOENT" || code === "ENOTDIR") && parent !== current) {
                current = parent;
                continue;
            }
            throw new SpeculaError("FILE_UNREADABLE", `${option} ${quoted(dir)} cannot be checked (${code ?? "error"}).`);
        }
        if (stats.isDirectory())
            return;
        throw new SpeculaError("BAD_ARGUMENT", current === wanted
            ? `${option} ${quoted(dir)} is a file, not a folder.`
            : `${option} ${quoted(dir)} cannot be made: ${quoted(current)} is a file, not a folder.`);
    }
}

/** `specula fixtures`: writes the generated fixture models into `out` (checked first) and returns "name<TAB>path" lines. */
export async function writeFixtures(out: string | undefined, large: boolean): Promise<string[]> {
    if (out != null)
        await checkOutputFolder(out, "--out");
    const paths = await ensureFixtures({ dir: out, large });
    return [
        `smallTarget\t${paths.smallTarget}`,
        `smallDraft\t${paths.smallDraft}`,
        ...(paths.largeTarget != null ? [`largeTarget\t${paths.largeTarget}`] : []),
        ...(paths.largeDraft != null ? [`largeDraft\t${paths.largeDraft}`] : []),
        `incompatibleDraft\t${paths.incompatibleDraft}`,
        ...Object.entries(paths.corrupt).map(([name, file]) => `corrupt.${name}\t${file}`)
    ];
}
