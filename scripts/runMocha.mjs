// Runs the plain-Node mocha suites from the compiled output and ends with "N passed, N failed".
// Order: pure units first (fast feedback), then fixture generation, then engine tests on models.
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const Mocha = require("mocha");

function testFiles(dir) {
    const full = path.join(root, dir);
    let entries;
    try {
        entries = readdirSync(full);
    } catch {
        return [];
    }
    return entries.sort().flatMap((name) => {
        const file = path.join(full, name);
        if (statSync(file).isDirectory())
            return testFiles(path.join(dir, name));
        return name.endsWith(suffix) ? [file] : [];
    });
}

const suffix = process.env.SPECULA_TEST_SUFFIX ?? ".test.js";
const groups = (process.env.SPECULA_TEST_GROUPS ?? "unit,fixtures,engine").split(",");
const mocha = new Mocha({ timeout: Number(process.env.SPECULA_TEST_TIMEOUT ?? 120_000), reporter: "spec" });
for (const group of groups)
    for (const file of testFiles(path.join("out", "test", group)))
        mocha.addFile(file);

const runner = mocha.run((failures) => {
    const { passes, failures: failed, pending } = runner.stats;
    console.log(`${passes} passed, ${failed} failed${pending > 0 ? `, ${pending} skipped` : ""}`);
    process.exitCode = failures > 0 ? 1 : 0;
});
