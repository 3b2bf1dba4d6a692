// Runs the same extension-host mocha suite in desktop VS Code (Electron) through
// @vscode/test-electron, for machines that can download VS Code or have one installed
// (VSCODE_EXECUTABLE=/path/to/code). Where neither is possible, use runExtensionHostSuite
// (code-server + Chromium) instead.
//
// As a script:
//   node out/test/launchers/runElectronSuite.js --extension <dir> --tests <index.js> \
//        --workspace <dir> [--settings <json or file>] [--version <stable|insiders|1.x.y>]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runTests, TestRunFailedError } from "@vscode/test-electron";
import { DEFAULT_TEST_SETTINGS, type Settings } from "./CodeServer";
import { e2eCacheDir } from "./e2eTools";

export interface ElectronSuiteOptions {
    extensionDevelopmentPath: string;
    /** Compiled JS module exporting `run(): Promise<void>`. */
    extensionTestsPath: string;
    workspace: string;
    settings?: Settings;
    /** Environment for the extension host. */
    env?: Record<string, string | undefined>;
    /** VS Code executable; default $VSCODE_EXECUTABLE, else downloaded by @vscode/test-electron. */
    vscodeExecutablePath?: string;
    /** Version to download when no executable is given (default $VSCODE_VERSION or "stable"). */
    version?: string;
    /** Other extensions stay disabled unless this is false. */
    disableExtensions?: boolean;
}

/** Runs the suite in VS Code desktop; resolves with the exit code (0 = all passed). */
export async function runElectronSuite(options: ElectronSuiteOptions): Promise<number> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "specula-electron-"));
    const userDataDir = path.join(root, "user-data");
    const extensionsDir = path.join(root, "extensions");
    fs.mkdirSync(path.join(userDataDir, "User"), { recursive: true });
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.writeFileSync(
        path.join(userDataDir, "User", "settings.json"),
        JSON.stringify({ ...DEFAULT_TEST_SETTINGS, ...(options.settings ?? {}) }, null, 2)
    );
    const vscodeExecutablePath = options.vscodeExecutablePath ?? process.env.VSCODE_EXECUTABLE;
    const launchArgs = [
        path.resolve(options.workspace),
        "--user-data-dir", userDataDir,
        "--extensions-dir", extensionsDir,
        "--disable-workspace-trust",
        "--skip-welcome",
        "--skip-release-notes",
        "--disable-telemetry",
        "--disable-updates",
        "--disable-gpu",
        "--no-sandbox"
    ];
    if (options.disableExtensions !== false) launchArgs.push("--disable-extensions");
    try {
        return await runTests({
            extensionDevelopmentPath: path.resolve(options.extensionDevelopmentPath),
            extensionTestsPath: path.resolve(options.extensionTestsPath),
            launchArgs,
            extensionTestsEnv: options.env,
            // Downloads go to the e2e cache, outside the clone (default would be ./.vscode-test).
            cachePath: path.join(e2eCacheDir(), "vscode-test"),
            ...(vscodeExecutablePath
                ? { vscodeExecutablePath }
                : { version: options.version ?? process.env.VSCODE_VERSION ?? "stable" })
        });
    } catch (err) {
        // runTests rejects on a non-zero exit; hand the code back like runExtensionHostSuite does.
        if (err instanceof TestRunFailedError) return err.code ?? 1;
        throw err;
    } finally {
        fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    }
}

async function main(): Promise<void> {
    const args: Record<string, string> = {};
    const argv = process.argv.slice(2);
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) throw new Error(`unexpected argument: ${a}`);
        const eq = a.indexOf("=");
        if (eq > 0) args[a.slice(2, eq)] = a.slice(eq + 1);
        else args[a.slice(2)] = argv[++i] ?? "";
    }
    if (!args.extension || !args.tests || !args.workspace) {
        console.error(
            "usage: node out/test/launchers/runElectronSuite.js --extension <dir> --tests <index.js> " +
                "--workspace <dir> [--settings <json|file>] [--version <v>] [--executable <path>]"
        );
        process.exit(2);
    }
    let settings: Settings | undefined;
    if (args.settings) {
        const raw = args.settings.trim().startsWith("{") ? args.settings : fs.readFileSync(args.settings, "utf8");
        settings = JSON.parse(raw) as Settings;
    }
    const code = await runElectronSuite({
        extensionDevelopmentPath: args.extension,
        extensionTestsPath: args.tests,
        workspace: args.workspace,
        settings,
        version: args.version,
        vscodeExecutablePath: args.executable
    });
    console.log(`[runElectronSuite] exit code ${code}`);
    process.exit(code);
}

if (require.main === module)
    main().catch((err: unknown) => {
        console.error(err);
        process.exit(1);
    });
