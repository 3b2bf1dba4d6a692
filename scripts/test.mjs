// `npm test`: type-check and compile, lint (layer rules and style, eslint.config.mjs), bundle, run the mocha suites (pure units, fixtures, engine
// with real models), then the real-VS Code suites on code-server. Ends with one line
// "N passed, N failed" that sums every suite.
//
//   node scripts/test.mjs            everything
//   node scripts/test.mjs --no-e2e   skip the real-VS Code suites
//   node scripts/test.mjs --only-e2e only the real-VS Code suites (after a build)
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const inCi = process.env.CI === "true";
const totals = { passed: 0, failed: 0, skipped: 0 };
const timings = [];

function step(name, command, commandArgs, options = {}) {
    const started = Date.now();
    console.log(`\n=== ${name}`);
    const result = spawnSync(command, commandArgs, { cwd: root, stdio: options.capture ? ["ignore", "pipe", "pipe"] : "inherit", encoding: "utf8", env: { ...process.env, ...options.env } });
    timings.push([name, Date.now() - started]);
    if (options.capture) {
        process.stdout.write(result.stdout ?? "");
        process.stderr.write(result.stderr ?? "");
    }
    return result;
}

/** Reads the last "N passed, N failed" line a suite printed. */
function countsOf(output) {
    const matches = [...String(output).matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/gm)];
    const last = matches.at(-1);
    return last == null ? null : { passed: Number(last[1]), failed: Number(last[2]), skipped: Number(last[3] ?? 0) };
}

function runSuite(name, command, commandArgs, options = {}) {
    const result = step(name, command, commandArgs, { ...options, capture: true });
    const counts = countsOf(`${result.stdout}\n${result.stderr}`);
    if (counts == null) {
        console.log(`!!! ${name} printed no "N passed, N failed" line (exit ${result.status}); counted as one failure`);
        totals.failed++;
        return;
    }
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
    if (result.status !== 0 && counts.failed === 0) {
        console.log(`!!! ${name} exited ${result.status} with no failed test; counted as one failure`);
        totals.failed++;
    }
}

function finish() {
    console.log("\n=== timings");
    for (const [name, ms] of timings)
        console.log(`${name.padEnd(40)} ${(ms / 1000).toFixed(1)} s`);
    console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ""}`);
    process.exit(totals.failed > 0 ? 1 : 0);
}

const tsc = require.resolve("typescript/bin/tsc");
if (!args.has("--only-e2e")) {
    // A fresh out/: a test file deleted or moved in src must not run on from an old build.
    rmSync(path.join(root, "out"), { recursive: true, force: true });
    const compiled = step("type-check and compile (tsc)", process.execPath, [tsc, "-p", "."]);
    if (compiled.status !== 0) {
        totals.failed++;
        finish();
    }
    // A lint failure counts as one failed test; the suites still run so every problem shows at once.
    const eslint = path.join(path.dirname(require.resolve("eslint/package.json")), "bin", "eslint.js");
    const linted = step("lint (eslint)", process.execPath, [eslint, "--max-warnings", "0", "."]);
    if (linted.status !== 0) {
        console.log(`!!! lint failed (exit ${linted.status}); counted as one failure`);
        totals.failed++;
    }
    const built = step("bundle (esbuild)", process.execPath, ["scripts/build.mjs"]);
    if (built.status !== 0) {
        totals.failed++;
        finish();
    }
    // --expose-gc: the server client's cancellation tests collect garbage between a request's start and its abort.
    runSuite("mocha: units, fixtures, engine", process.execPath, ["--expose-gc", "scripts/runMocha.mjs"]);
}

if (args.has("--no-e2e"))
    finish();

// The real-VS Code suites need Chromium, Node 24 and code-server (scripts/install-e2e-tools.sh).
// On a developer machine without them they are skipped loudly; in CI they must run.
const { e2eToolsAvailable } = require(path.join(root, "out", "test", "launchers", "e2eTools.js"));
if (!e2eToolsAvailable()) {
    const reason = "Chromium, Node 24 or code-server is not installed";
    if (inCi) {
        console.log(`!!! CI=true but ${reason}: the real-VS Code suites cannot run`);
        totals.failed++;
    } else
        console.log(`\n######## SKIPPED: real-VS Code suites (${reason}). Run scripts/install-e2e-tools.sh to enable them. ########`);
    finish();
}
runSuite("extension-host suite (code-server)", process.execPath, [path.join(root, "out", "test", "vscode", "runSuite.js")]);
runSuite("browser end-to-end (code-server + Chromium)", process.execPath, ["scripts/runMocha.mjs"], {
    env: { SPECULA_TEST_GROUPS: "e2e", SPECULA_TEST_SUFFIX: ".e2e.js", SPECULA_TEST_TIMEOUT: "300000" }
});
finish();
