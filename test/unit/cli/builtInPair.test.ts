import * as assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { builtInPair } from "../../../src/cli/builtInPair";
import { CODE_PAIR_FILES, codePairModelDir } from "../../../src/fixtures/codePair";

describe("builtInPair", () => {
    let scratch: string;
    beforeEach(async () => { scratch = await fs.mkdtemp(path.join(os.tmpdir(), "specula-pair-")); });
    afterEach(async () => { await fs.rm(scratch, { recursive: true, force: true }); });

    it("complete --pair code uses the committed trained pair and generates nothing (no padded target)", async () => {
        const pair = await builtInPair("code", "complete", { dir: scratch });
        assert.equal(pair.targetPath, path.join(codePairModelDir(), CODE_PAIR_FILES.target));
        assert.equal(pair.draftPath, path.join(codePairModelDir(), CODE_PAIR_FILES.draft));
        assert.deepEqual(await fs.readdir(scratch), []);
    });

    it("says which file is missing when the code pair is not there", async () => {
        await assert.rejects(builtInPair("code", "complete", { dir: scratch, codePairDir: path.join(scratch, "nowhere") }),
            /code pair model .*code-target\.gguf is missing: the code pair comes with a clone of the Specula repository/);
    });
});
