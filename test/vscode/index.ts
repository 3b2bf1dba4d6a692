// extensionTestsPath of the extension-host suite: runs every *.test.js here inside the real
// extension host (code-server's or desktop VS Code's) with Specula under development.
import { run as runMocha } from "../launchers/extensionHostMocha";

export function run(): Promise<void> {
    return runMocha(__dirname, "**/*.test.js", { timeout: 60_000 });
}
