// extensionTestsPath for the e2e self-test: runs fixture.exthost.js inside the extension host with
// the fixture extension (test/e2e/fixtures-extension) under development.
import { run as runMocha } from "../../launchers/extensionHostMocha";

export function run(): Promise<void> {
    return runMocha(__dirname, "**/*.exthost.js");
}
