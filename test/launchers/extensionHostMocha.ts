// Mocha runner for inside the VS Code extension host (code-server's or Electron's). A suite's
// extensionTestsPath module does:
//     import { run as runMocha } from "../launchers/extensionHostMocha";
//     export function run(): Promise<void> { return runMocha(__dirname, "**/*.test.js"); }
// Output goes through console.log (the launcher forwards it), and the last line is exactly
// `N passed, N failed`. Rejects when any test failed.
import * as fs from "node:fs";
import * as path from "node:path";
import * as util from "node:util";
import Mocha from "mocha";

export interface ExtensionHostMochaOptions extends Mocha.MochaOptions {
    /** Only files whose path relative to testsRoot matches this regexp (after `pattern`). */
    filter?: RegExp;
}

/** Runs the mocha files under testsRoot matching the glob `pattern` (supports `**`, `*`, `?`, `{a,b}`). */
export function run(testsRoot: string, pattern: string, options: ExtensionHostMochaOptions = {}): Promise<void> {
    // Reporters print with process.stdout.write by default, which the extension host doesn't forward.
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(util.format(...args));
    const { filter, ...mochaOptions } = options;
    const grep = process.env.SPECULA_TEST_GREP;
    const mocha = new Mocha({
        ui: "bdd",
        reporter: "spec",
        color: false,
        timeout: 30_000,
        ...(grep ? { grep } : {}),
        ...mochaOptions
    });
    const re = globToRegExp(pattern);
    const files = listFiles(testsRoot)
        .filter((rel) => re.test(rel) && (!filter || filter.test(rel)))
        .sort();
    for (const rel of files) mocha.addFile(path.join(testsRoot, rel));

    return new Promise<void>((resolve, reject) => {
        let passed = 0;
        let failed = 0;
        try {
            const runner = mocha.run(() => {
                console.log(`${passed} passed, ${failed} failed`);
                if (failed > 0) reject(new Error(`${failed} test(s) failed`));
                else if (files.length === 0) reject(new Error(`no test files matching ${pattern} under ${testsRoot}`));
                else resolve();
            });
            runner.on("pass", () => passed++);
            runner.on("fail", () => failed++);
        } catch (err) {
            console.error(err);
            console.log(`${passed} passed, ${failed + 1} failed`);
            reject(err);
        }
    });
}

function listFiles(root: string, rel = ""): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
        if (entry.name === "node_modules") continue;
        const r = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) out.push(...listFiles(root, r));
        else if (entry.isFile()) out.push(r);
    }
    return out;
}

/** Minimal glob → RegExp for paths with `/` separators. */
export function globToRegExp(glob: string): RegExp {
    let re = "";
    for (let i = 0; i < glob.length; i++) {
        const c = glob[i];
        if (c === "*")
            if (glob[i + 1] === "*") {
                i++;
                if (glob[i + 1] === "/") {
                    i++;
                    re += "(?:.*/)?";
                } else re += ".*";
            } else re += "[^/]*";
        else if (c === "?") re += "[^/]";
        else if (c === "{") {
            const end = glob.indexOf("}", i);
            if (end < 0) re += "\\{";
            else {
                re += "(?:" + glob.slice(i + 1, end).split(",").map(escapeRe).join("|") + ")";
                i = end;
            }
        } else re += escapeRe(c);
    }
    return new RegExp(`^${re}$`);
}

function escapeRe(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
