import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { CaseLanguage } from "./FimCase";
import type { SourceFile } from "./cutFimCases";

/**
 * Where the harness's cases were cut from: sources any Debian machine with this repository's
 * node_modules has offline. Only `npm run quality -- --cut` reads them; the cases themselves are
 * committed (src/quality/fimCases.json), so CI needs none of these.
 *
 * Debian packages: libpython3.11-stdlib (Python), golang-1.19-src and git (tab-indented Go),
 * liblzma-dev and git (tab-indented C), zlib1g-dev (space-indented C).
 */
interface SourceSet {
    readonly language: CaseLanguage;
    /** An npm package in node_modules, or undefined for a Debian path. */
    readonly npmPackage?: string;
    /** Folders (inside the package, or absolute) whose files are used, not recursively. */
    readonly folders: readonly string[];
    readonly extension: string;
}

const sourceSets: readonly SourceSet[] = [
    { language: "typescript", npmPackage: "ajv", folders: ["lib", "lib/compile", "lib/vocabularies/core", "lib/vocabularies/validation", "lib/compile/validate"], extension: ".ts" },
    { language: "typescript", npmPackage: "@huggingface/jinja", folders: ["src"], extension: ".ts" },
    { language: "typescript", npmPackage: "cheerio", folders: ["src", "src/api"], extension: ".ts" },
    { language: "javascript", npmPackage: "mocha", folders: ["lib", "lib/cli", "lib/reporters"], extension: ".js" },
    { language: "javascript", npmPackage: "semver", folders: ["classes", "ranges", "internal"], extension: ".js" },
    { language: "javascript", npmPackage: "vscode-jsonrpc", folders: ["lib/common", "lib/node"], extension: ".js" },
    { language: "python", folders: ["/usr/lib/python3.11", "/usr/lib/python3.11/json", "/usr/lib/python3.11/email", "/usr/lib/python3.11/http", "/usr/lib/python3.11/logging"], extension: ".py" },
    { language: "c", folders: ["/usr/share/doc/liblzma-dev/examples", "/usr/share/doc/git/contrib/credential/gnome-keyring", "/usr/share/doc/git/contrib/credential/libsecret", "/usr/share/doc/git/contrib/credential/wincred", "/usr/share/doc/zlib1g-dev/examples"], extension: ".c" },
    { language: "go", folders: ["/usr/share/go-1.19/src/strings", "/usr/share/go-1.19/src/bufio", "/usr/share/go-1.19/src/net/url", "/usr/share/go-1.19/src/encoding/json", "/usr/share/go-1.19/src/text/tabwriter", "/usr/share/go-1.19/src/flag", "/usr/share/doc/git/contrib/persistent-https"], extension: ".go" }
];

/** Reads every source file of the sets above, in a fixed order. Throws with the missing path. */
export function readQualitySources(nodeModules: string): SourceFile[] {
    const files: SourceFile[] = [];
    for (const set of sourceSets) {
        const base = set.npmPackage !== undefined ? path.join(nodeModules, set.npmPackage) : "";
        const origin = set.npmPackage !== undefined
            ? `npm ${set.npmPackage}@${(JSON.parse(fs.readFileSync(path.join(base, "package.json"), "utf8")) as { version: string }).version}`
            : undefined;
        for (const folder of set.folders) {
            const dir = set.npmPackage !== undefined ? path.join(base, folder) : folder;
            if (!fs.existsSync(dir))
                throw new Error(`${dir} is missing (${set.npmPackage !== undefined ? "run npm ci" : "install the Debian packages named in src/quality/qualitySources.ts"})`);
            for (const name of fs.readdirSync(dir).sort()) {
                if (!name.endsWith(set.extension) || name.endsWith(".d.ts") || name.endsWith("_test.go") || name.startsWith("test_"))
                    continue;
                const file = path.join(dir, name);
                if (!fs.statSync(file).isFile())
                    continue;
                const source = origin !== undefined ? `${origin} ${path.posix.join(folder, name)}` : `${debianPackageOf(file)} ${file}`;
                files.push({ language: set.language, source, text: fs.readFileSync(file, "utf8") });
            }
        }
    }
    return files;
}

/** "Debian <package> <version>:" for a file dpkg knows, else "file:". */
function debianPackageOf(file: string): string {
    try {
        const owner = execFileSync("dpkg", ["-S", file], { encoding: "utf8" }).split(":")[0].trim();
        const version = execFileSync("dpkg-query", ["-W", "-f=${Version}", owner], { encoding: "utf8" }).trim();
        return `Debian ${owner} ${version}:`;
    } catch {
        return "file:";
    }
}
