import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { reproduceBlock } from "../../../src/cli/runVariantsBench";

const root = path.resolve(__dirname, "../../../..");

describe("the benchmark report's Reproduce block", () => {
    it("shows npm run bench as package.json defines it, and docs/benchmarks.md shows the same", () => {
        const script = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: { bench: string } }).scripts.bench;
        const block = reproduceBlock(script);
        assert.ok(block.includes(`npm run bench          # = ${script}`), block.join("\n"));
        const committed = fs.readFileSync(path.join(root, "docs", "benchmarks.md"), "utf8");
        assert.ok(committed.includes(`npm run bench          # = ${script}\n`), "docs/benchmarks.md's Reproduce line is not npm run bench's command");
    });
});
