import * as fs from "node:fs";
import * as path from "node:path";
import { CODE_PAIR_FILES, codePairModelDir, ensureCodePair } from "../fixtures/codePair";
import { ensureFixtures } from "../fixtures/generateFixtures";
import { SpeculaError } from "../engine/SpeculaError";
import type { BuiltInPairName } from "./parseCliArgs";

export interface BuiltInPair {
    readonly targetPath: string;
    readonly draftPath: string;
    /** Which models these are, for reports. */
    readonly description: string;
}

export interface BuiltInPairOptions {
    /** Folder of the generated fixtures (and the padded code target). Defaults to the fixtures' own default. */
    readonly dir?: string;
    /** Folder of the committed code pair. Defaults to test/models/code-pair in the package. */
    readonly codePairDir?: string;
    readonly log?: (line: string) => void;
}

/**
 * The files behind --pair: for `complete` the cheap target (fixture: small; code: the trained one,
 * used as committed, so nothing is generated), for `bench` and `latency` the one that costs what a
 * real model does (fixture: large; code: padded).
 */
export async function builtInPair(name: BuiltInPairName, use: "complete" | "bench", options: BuiltInPairOptions = {}): Promise<BuiltInPair> {
    if (name === "code") {
        if (use === "complete") {
            const dir = options.codePairDir ?? codePairModelDir();
            const targetPath = path.join(dir, CODE_PAIR_FILES.target);
            const draftPath = path.join(dir, CODE_PAIR_FILES.draft);
            for (const file of [targetPath, draftPath])
                if (!fs.existsSync(file))
                    throw new SpeculaError("FILE_NOT_FOUND", `The code pair model ${file} is missing: the code pair comes with a clone of the Specula repository (test/models/code-pair), not with the packaged extension.`);
            return { targetPath, draftPath, description: "the code pair (test/models/code-pair)" };
        }
        const paths = await ensureCodePair({
            ...(options.dir != null ? { dir: options.dir } : {}),
            ...(options.codePairDir != null ? { modelDir: options.codePairDir } : {}),
            ...(options.log != null ? { log: options.log } : {})
        });
        return { targetPath: paths.paddedTarget, draftPath: paths.draft, description: "the code pair (test/models/code-pair) — target code-target.gguf (7.7 M parameters trained on JS/TS, Python and C) padded with zero-output blocks and FFN units to cost about what a real model costs (same greedy output), draft code-draft.gguf" };
    }
    if (use === "bench") {
        const paths = await ensureFixtures({ ...(options.dir != null ? { dir: options.dir } : {}), large: true });
        return { targetPath: paths.largeTarget!, draftPath: paths.largeDraft!, description: "the large fixture pair — target large-target.gguf (154.7 M parameters, Q8_0, an order-2 n-gram model in a transformer's clothes), draft draft.gguf (tiny rank-12 low-rank bigram model)" };
    }
    const paths = await ensureFixtures({ ...(options.dir != null ? { dir: options.dir } : {}) });
    return { targetPath: paths.smallTarget, draftPath: paths.smallDraft, description: "the small fixture pair" };
}
