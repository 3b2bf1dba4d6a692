// Runs a mocha suite inside a real VS Code extension host: code-server + Debian Chromium via
// playwright-core. The workbench is opened with
//   /?folder=WS&payload=[["extensionDevelopmentPath","vscode-remote://…/EXT"],["extensionTestsPath","vscode-remote://…/index.js"]]
// and reports the suite's end through window.codeAutomationExit(code) (smoke-test driver).
//
// As a script:
//   node out/test/launchers/runExtensionHostSuite.js --extension <dir> --tests <index.js> \
//        --workspace <dir> [--settings <json or file>] [--timeout <ms>] [--screenshot <png>]
// exits with the suite's exit code (124 on timeout).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ConsoleMessage } from "playwright-core";
import { launchChromium } from "./chromium";
import { CodeServer, type Settings } from "./CodeServer";

export interface ExtensionHostSuiteOptions {
    /** Extension under development (dir with package.json). */
    extensionDevelopmentPath: string;
    /** Compiled JS module exporting `run(): Promise<void>` (e.g. out/test/vscode/index.js). */
    extensionTestsPath: string;
    /** Folder opened in the workbench. */
    workspace: string;
    /** User settings for the run. */
    settings?: Settings;
    /** Extra environment for code-server and its extension host. */
    env?: NodeJS.ProcessEnv;
    /** Whole-run limit, default 300 s (SPECULA_E2E_TIMEOUT_MS overrides the default). */
    timeoutMs?: number;
    /** Where the page console goes, line by line; default stdout. */
    log?: (line: string) => void;
    /** Forward code-server's own output and all page console lines (default: suite output only;
     *  code-server's last lines on failure). */
    verboseServer?: boolean;
    /** Screenshot path written when the suite fails or times out. */
    screenshotOnFailure?: string;
}

export const TIMEOUT_EXIT_CODE = 124;

/** Runs the suite; resolves with its exit code (0 = all passed, TIMEOUT_EXIT_CODE on timeout). */
export async function runExtensionHostSuite(options: ExtensionHostSuiteOptions): Promise<number> {
    const log = options.log ?? ((line: string) => process.stdout.write(line + "\n"));
    const timeoutMs = options.timeoutMs ?? (Number(process.env.SPECULA_E2E_TIMEOUT_MS) || 300_000);
    const extensionDevelopmentPath = path.resolve(options.extensionDevelopmentPath);
    const extensionTestsPath = path.resolve(options.extensionTestsPath);
    const workspace = path.resolve(options.workspace);
    for (const p of [path.join(extensionDevelopmentPath, "package.json"), extensionTestsPath, workspace])
        if (!fs.existsSync(p)) throw new Error(`not found: ${p}`);

    const root = fs.mkdtempSync(path.join(os.tmpdir(), "specula-ehs-"));
    let server: CodeServer | undefined;
    let context: Awaited<ReturnType<typeof launchChromium>> | undefined;
    let finished = false; // the suite's end is known: closing the page/browser/server is expected
    try {
        server = await CodeServer.start({
            root: path.join(root, "code-server"),
            settings: options.settings,
            env: options.env,
            onOutput: options.verboseServer ? (l) => log(`[code-server] ${l}`) : undefined
        });
        context = await launchChromium({ root: path.join(root, "chromium") });
        const page = context.pages()[0] ?? (await context.newPage());

        let resolveExit!: (code: number) => void;
        const exited = new Promise<number>((r) => (resolveExit = r));
        await page.exposeFunction("codeAutomationExit", (code: unknown) => {
            finished = true;
            resolveExit(typeof code === "number" ? code : Number(code) || 0);
        });
        page.on("console", (msg) => {
            const line = consoleLine(msg, options.verboseServer);
            if (line !== undefined) log(line);
        });
        page.on("pageerror", (err) => log(`[page error] ${err.message}`));
        // Don't wait for the timeout when the page, the browser or code-server goes away.
        const fail = (why: string) => {
            if (finished) return;
            log(`[runExtensionHostSuite] ${why} before the suite reported its end`);
            resolveExit(1);
        };
        page.on("crash", () => fail("the page crashed"));
        page.on("close", () => fail("the page closed"));
        context.on("close", () => fail("the browser closed"));
        void server.exited.then((c) => fail(`code-server exited (${c})`));

        const url = server.workbenchUrl({ folder: workspace, extensionDevelopmentPath, extensionTestsPath });
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<number>((r) => (timer = setTimeout(() => r(TIMEOUT_EXIT_CODE), timeoutMs)));
        await page.goto(url, { waitUntil: "domcontentloaded", timeout: timeoutMs });
        const code = await Promise.race([exited, timedOut]);
        finished = true;
        clearTimeout(timer);
        if (code === TIMEOUT_EXIT_CODE) log(`[runExtensionHostSuite] timed out after ${timeoutMs} ms`);
        if (code !== 0) {
            if (options.screenshotOnFailure) {
                fs.mkdirSync(path.dirname(path.resolve(options.screenshotOnFailure)), { recursive: true });
                await page.screenshot({ path: options.screenshotOnFailure }).catch(() => undefined);
            }
            if (!options.verboseServer) log(`[runExtensionHostSuite] code-server output (tail):\n${server.outputTail()}`);
        }
        return code;
    } finally {
        finished = true;
        await context?.close().catch(() => undefined);
        await server?.dispose();
        fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    }
}

/** Workbench log lines that are not the suite's output (dropped unless verbose). */
const WORKBENCH_NOISE = [
    /^Resolv(ing|ed) connection token/,
    /^Creating a socket/,
    /^\[Service Worker\]/,
    /^\[reconnection-grace-time\]/,
    /^\[AgentHost/,
    /^\[AccountPolicyGate\]/,
    /^Updating additional builtin extensions cache/,
    /^Creation of workbench contribution/,
    /Timed out waiting for authentication provider/,
    /^Extension host \(.*\) is unresponsive|^Extension host \(.*\) is responsive/,
    /^Started local extension host|^Starting (remote|local) extension host/,
    /^Settings Sync/,
    /^Failed to load resource|ERR_NAME_NOT_RESOLVED|ENOTFOUND|open-vsx\.org|vsda/,
    /^The web worker extension host is started in a same-origin iframe/,
    /^An iframe which has both allow-scripts and allow-same-origin/
];

/**
 * While an extension test runs (extensionTestsPath set), the workbench writes everything the
 * extension host logs through its log service, which reaches the page console as
 * `%c INFO color: #33f <text>` (`%c WARN …`, `%c  ERR …` for warnings/errors). This returns `<text>`
 * for info (so that lines like `N passed, N failed` stand alone), `[warn] <text>` / `[error] <text>`
 * for the others, and undefined for known workbench noise (all lines when verbose).
 */
export function consoleLine(msg: ConsoleMessage, verbose = false): string | undefined {
    const raw = msg.text();
    const m = /^%c\s*(TRACE|DEBUG|INFO|WARN|ERR)\s+color: #[0-9a-fA-F]{3,6}\s?([\s\S]*)$/.exec(raw);
    let level: string;
    let text: string;
    if (m) {
        level = m[1];
        text = m[2];
    } else {
        level = msg.type() === "error" ? "ERR" : msg.type() === "warning" ? "WARN" : "INFO";
        text = raw.replace(/%c/g, "");
        // Plain browser console messages (not the log service) are not the suite's output.
        if (!verbose && level === "INFO") return undefined;
    }
    if (!verbose && (level === "TRACE" || level === "DEBUG")) return undefined;
    if (!verbose && WORKBENCH_NOISE.some((re) => re.test(text))) return undefined;
    if (level === "INFO") return text;
    return `[${level === "ERR" ? "error" : level.toLowerCase()}] ${text}`;
}

function parseArgs(argv: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) throw new Error(`unexpected argument: ${a}`);
        const eq = a.indexOf("=");
        if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
        else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) out[a.slice(2)] = argv[++i];
        else out[a.slice(2)] = "true";
    }
    return out;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    if (!args.extension || !args.tests || !args.workspace) {
        console.error(
            "usage: node out/test/launchers/runExtensionHostSuite.js --extension <dir> --tests <index.js> " +
                "--workspace <dir> [--settings <json|file>] [--timeout <ms>] [--screenshot <png>] [--verbose]"
        );
        process.exit(2);
    }
    let settings: Settings | undefined;
    if (args.settings) {
        const raw = args.settings.trim().startsWith("{") ? args.settings : fs.readFileSync(args.settings, "utf8");
        settings = JSON.parse(raw) as Settings;
    }
    const code = await runExtensionHostSuite({
        extensionDevelopmentPath: args.extension,
        extensionTestsPath: args.tests,
        workspace: args.workspace,
        settings,
        timeoutMs: args.timeout ? Number(args.timeout) : undefined,
        screenshotOnFailure: args.screenshot,
        verboseServer: "verbose" in args
    });
    console.log(`[runExtensionHostSuite] exit code ${code}`);
    process.exit(code);
}

if (require.main === module)
    main().catch((err: unknown) => {
        console.error(err);
        process.exit(1);
    });
