// Runs the extension-host suite (test/vscode/*.test.ts) against Specula under development:
//   node out/test/vscode/runSuite.js            in code-server + Chromium (what runs here and in CI)
//   node out/test/vscode/runSuite.js --electron in desktop VS Code via @vscode/test-electron
//                                               (downloads VS Code, or uses $VSCODE_EXECUTABLE)
// Needs `npx tsc -p .` and `node scripts/build.mjs` first (the extension runs from dist/).
// Prints the suite's output, ending with `N passed, N failed`, and exits with its exit code.
import * as fs from "node:fs";
import * as path from "node:path";
import { runElectronSuite } from "../launchers/runElectronSuite";
import { runExtensionHostSuite } from "../launchers/runExtensionHostSuite";
import { findLlamaServer } from "../support/llamaServerProcess";
import { createWorkspace, userSettings } from "./suiteSetup";

// out/test/vscode -> repository root
const repository = path.resolve(__dirname, "..", "..", "..");

async function main(): Promise<number> {
    for (const built of [path.join(repository, "dist", "extension.js"), path.join(repository, "dist", "engineHost.js")])
        if (!fs.existsSync(built))
            throw new Error(`${built} is missing: run \`node scripts/build.mjs\` first`);
    const workspace = createWorkspace();
    // The extension host runs with its own HOME, where the llama-server cache is not: it gets the path.
    const llamaServer = findLlamaServer(repository).path;
    try {
        const options = {
            ...(llamaServer != null ? { env: { SPECULA_LLAMA_SERVER: llamaServer } } : {}),
            extensionDevelopmentPath: repository,
            extensionTestsPath: path.join(__dirname, "index.js"),
            workspace,
            settings: userSettings(workspace)
        };
        const started = Date.now();
        const code = process.argv.includes("--electron")
            ? await runElectronSuite(options)
            : await runExtensionHostSuite({ ...options, timeoutMs: 600_000, screenshotOnFailure: path.join(repository, "test-artifacts", "vscode-suite-failure.png") });
        console.log(`[vscode suite] exit code ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return code;
    } finally {
        fs.rmSync(workspace, { recursive: true, force: true });
    }
}

main().then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    console.log("0 passed, 1 failed");
    process.exit(1);
});
