// Debian's Chromium through playwright-core (no browser download), with a fresh profile under the
// given root and HOME/TMPDIR/XDG_* pointed there too.
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { resolveE2eTools } from "./e2eTools";

export const CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync"
];

export interface ChromiumOptions {
    /** Dir for the profile and Chromium's HOME/TMPDIR/XDG_*; created if missing. */
    root: string;
    executablePath?: string;
    /** Default true; set SPECULA_E2E_HEADED=1 (with a display) to watch. */
    headless?: boolean;
    viewport?: { width: number; height: number };
}

export async function launchChromium(options: ChromiumOptions): Promise<BrowserContext> {
    const dir = (name: string) => {
        const d = path.join(options.root, name);
        fs.mkdirSync(d, { recursive: true, mode: 0o700 });
        return d;
    };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, {
        HOME: dir("home"),
        TMPDIR: dir("tmp"),
        XDG_CONFIG_HOME: dir("xdg-config"),
        XDG_CACHE_HOME: dir("xdg-cache"),
        XDG_DATA_HOME: dir("xdg-data"),
        XDG_RUNTIME_DIR: dir("xdg-runtime")
    });
    return chromium.launchPersistentContext(dir("profile"), {
        executablePath: options.executablePath ?? resolveE2eTools().chromium,
        headless: options.headless ?? process.env.SPECULA_E2E_HEADED !== "1",
        args: CHROMIUM_ARGS,
        env,
        viewport: options.viewport ?? { width: 1280, height: 800 }
    });
}
