// A disposable code-server (VS Code in the browser) for end-to-end tests. Everything it writes lives
// under a fresh temp root: HOME, TMPDIR, XDG_*, the user-data-dir (with the given user settings), the
// extensions dir and the config file. It binds 127.0.0.1 on a free port, is ready once /healthz
// answers, and dispose() kills its whole process group (file watchers and extension hosts included).
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { resolveE2eTools, type E2eTools } from "./e2eTools";

export type Settings = Record<string, unknown>;

/** Settings that keep a test run quiet and deterministic; user-supplied settings override them. */
export const DEFAULT_TEST_SETTINGS: Settings = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "extensions.ignoreRecommendations": true,
    "window.restoreWindows": "none",
    "files.hotExit": "off",
    "chat.disableAIFeatures": true,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "editor.inlineSuggest.enabled": true,
    "editor.accessibilitySupport": "off"
};

export interface CodeServerOptions {
    /** Folder code-server opens by default (passed as its positional argument). */
    workspace?: string;
    /** User settings (merged over DEFAULT_TEST_SETTINGS), written before start. */
    settings?: Settings;
    /**
     * Remote machine settings (<user-data-dir>/Machine/settings.json): in code-server's remote window
     * machine-scoped settings are read from here, not from the user settings.
     */
    machineSettings?: Settings;
    /** .vsix files (or marketplace ids) to install with `--install-extension` before start. */
    installExtensions?: string[];
    /** More code-server arguments. */
    extraArgs?: string[];
    /** Extra environment for code-server and so for its extension host. */
    env?: NodeJS.ProcessEnv;
    /** Receives code-server's stdout/stderr, line by line. Default: kept in `output` only. */
    onOutput?: (line: string) => void;
    /** Temp root; a fresh one under os.tmpdir() by default. Removed on dispose unless keepRoot. */
    root?: string;
    keepRoot?: boolean;
    /** How long to wait for /healthz. Default 60 s. */
    startTimeoutMs?: number;
    /** Tool paths; default resolveE2eTools(). */
    tools?: E2eTools;
}

export interface WorkbenchUrlOptions {
    /** Folder to open (absolute path on this machine). */
    folder?: string;
    /** Extension under development (absolute path); needs --vscode-option enable-smoke-test-driver. */
    extensionDevelopmentPath?: string | string[];
    /** Mocha entry point (absolute path of a JS file exporting run()) to run in the extension host. */
    extensionTestsPath?: string;
    /** More [key, value] payload pairs. */
    payload?: [string, string][];
}

const live = new Set<CodeServer>();
let exitHookInstalled = false;
function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    // Last resort: never leave a code-server process group behind when the test process exits.
    process.on("exit", () => {
        for (const server of live) server.killNow();
    });
}

export class CodeServer {
    readonly host = "127.0.0.1";
    readonly output: string[] = [];
    private hasExited = false;
    private exitCode: number | null = null;
    private disposed = false;
    private child: ChildProcess | undefined;
    private _port = 0;
    private resolveExited!: (code: number | null) => void;
    /** Resolves with code-server's exit code when its main process ends (on dispose too; never if not started). */
    readonly exited: Promise<number | null> = new Promise((r) => (this.resolveExited = r));

    private constructor(
        readonly root: string,
        readonly dirs: { home: string; tmp: string; userData: string; extensions: string; config: string },
        readonly tools: E2eTools,
        private readonly env: NodeJS.ProcessEnv,
        private readonly keepRoot: boolean
    ) {}

    /** Creates the dirs, writes settings, installs extensions, starts code-server and waits for /healthz. */
    static async start(options: CodeServerOptions = {}): Promise<CodeServer> {
        const server = CodeServer.prepare(options);
        try {
            for (const ext of options.installExtensions ?? []) await server.installExtension(ext);
            await server.launch(options);
        } catch (err) {
            await server.dispose();
            throw err;
        }
        return server;
    }

    private static prepare(options: CodeServerOptions): CodeServer {
        const tools = options.tools ?? resolveE2eTools();
        const root = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), "specula-cs-"));
        const dirs = {
            home: path.join(root, "home"),
            tmp: path.join(root, "tmp"),
            userData: path.join(root, "user-data"),
            extensions: path.join(root, "extensions"),
            config: path.join(root, "config.yaml")
        };
        for (const d of [dirs.home, dirs.tmp, dirs.userData, dirs.extensions]) fs.mkdirSync(d, { recursive: true });
        const xdg = (name: string) => {
            const d = path.join(root, "xdg", name);
            fs.mkdirSync(d, { recursive: true, mode: 0o700 });
            return d;
        };
        const env: NodeJS.ProcessEnv = {};
        for (const [k, v] of Object.entries(process.env)) {
            // Don't leak a surrounding VS Code's / Electron's / Node's settings into the server.
            if (/^(VSCODE_|ELECTRON_)/.test(k) || k === "NODE_OPTIONS" || k.startsWith("npm_")) continue;
            env[k] = v;
        }
        Object.assign(env, {
            HOME: dirs.home,
            TMPDIR: dirs.tmp,
            TMP: dirs.tmp,
            TEMP: dirs.tmp,
            XDG_CONFIG_HOME: xdg("config"),
            XDG_DATA_HOME: xdg("data"),
            XDG_CACHE_HOME: xdg("cache"),
            XDG_STATE_HOME: xdg("state"),
            XDG_RUNTIME_DIR: xdg("runtime"),
            // code-server reads these; keep it away from any password/config in the real home.
            PASSWORD: undefined,
            HASHED_PASSWORD: undefined,
            CODE_SERVER_CONFIG: dirs.config
        });
        Object.assign(env, options.env ?? {});
        for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];

        const server = new CodeServer(root, dirs, tools, env, options.keepRoot ?? false);
        server.writeSettings({ ...DEFAULT_TEST_SETTINGS, ...(options.settings ?? {}) });
        if (options.machineSettings != null) {
            fs.mkdirSync(path.join(dirs.userData, "Machine"), { recursive: true });
            fs.writeFileSync(path.join(dirs.userData, "Machine", "settings.json"), JSON.stringify(options.machineSettings, null, 2));
        }
        return server;
    }

    /** Writes <user-data-dir>/User/settings.json (replacing it). Takes effect live when already running. */
    writeSettings(settings: Settings): void {
        const userDir = path.join(this.dirs.userData, "User");
        fs.mkdirSync(userDir, { recursive: true });
        fs.writeFileSync(path.join(userDir, "settings.json"), JSON.stringify(settings, null, 2));
    }

    /** Runs `code-server --install-extension <vsixOrId>` against this server's dirs (before or after start). */
    async installExtension(vsixOrId: string, timeoutMs = 120_000): Promise<string> {
        const args = [
            this.tools.codeServer,
            "--user-data-dir", this.dirs.userData,
            "--extensions-dir", this.dirs.extensions,
            "--install-extension", vsixOrId,
            "--force"
        ];
        return new Promise<string>((resolve, reject) => {
            const child = spawn(this.tools.node, args, { env: this.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
            let out = "";
            child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
            child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
            const timer = setTimeout(() => {
                killGroup(child.pid, "SIGKILL");
                reject(new Error(`--install-extension ${vsixOrId} timed out:\n${out}`));
            }, timeoutMs);
            child.on("error", (e) => (clearTimeout(timer), reject(e)));
            child.on("exit", (code) => {
                clearTimeout(timer);
                killGroup(child.pid, "SIGKILL");
                if (code === 0) resolve(out);
                else reject(new Error(`--install-extension ${vsixOrId} exited ${code}:\n${out}`));
            });
        });
    }

    private async launch(options: CodeServerOptions): Promise<void> {
        const port = await freePort();
        this._port = port;
        fs.writeFileSync(this.dirs.config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
        const args = [
            this.tools.codeServer,
            "--bind-addr", `127.0.0.1:${port}`,
            "--auth", "none",
            "--config", this.dirs.config,
            "--user-data-dir", this.dirs.userData,
            "--extensions-dir", this.dirs.extensions,
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--vscode-option", "enable-smoke-test-driver",
            ...(options.extraArgs ?? [])
        ];
        if (options.workspace) args.push(path.resolve(options.workspace));

        const child = spawn(this.tools.node, args, {
            cwd: this.dirs.home,
            env: this.env,
            stdio: ["ignore", "pipe", "pipe"],
            detached: true // own process group: dispose() kills the group
        });
        this.child = child;
        live.add(this);
        installExitHook();
        const onLine = options.onOutput;
        const collect = (stream: NodeJS.ReadableStream) => {
            let buf = "";
            stream.on("data", (b: Buffer) => {
                buf += b.toString();
                let i: number;
                while ((i = buf.indexOf("\n")) >= 0) {
                    const line = buf.slice(0, i);
                    buf = buf.slice(i + 1);
                    this.output.push(line);
                    if (this.output.length > 2000) this.output.splice(0, 1000);
                    onLine?.(line);
                }
            });
        };
        collect(child.stdout!);
        collect(child.stderr!);
        child.on("exit", (code) => {
            this.hasExited = true;
            this.exitCode = code;
            this.resolveExited(code);
        });
        const spawnError = new Promise<never>((_, reject) => child.on("error", reject));
        await Promise.race([this.waitHealthy(options.startTimeoutMs ?? 60_000), spawnError]);
    }

    private async waitHealthy(timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            if (this.hasExited)
                throw new Error(`code-server exited (${this.exitCode}) before it was healthy:\n${this.outputTail()}`);
            if ((await httpStatus(`${this.url}/healthz`)) === 200) return;
            await sleep(200);
        }
        throw new Error(`code-server not healthy after ${timeoutMs} ms:\n${this.outputTail()}`);
    }

    /** The port it listens on (0 before start). */
    get port(): number {
        return this._port;
    }

    get url(): string {
        return `http://${this.host}:${this.port}`;
    }

    get pid(): number | undefined {
        return this.child?.pid;
    }

    get running(): boolean {
        return this.child !== undefined && !this.hasExited;
    }

    /** `vscode-remote://127.0.0.1:PORT/abs/path`: how the browser workbench names a path on the server. */
    remoteUri(absPath: string): string {
        const p = path.resolve(absPath).split(path.sep).map(encodeURIComponent).join("/");
        return `vscode-remote://${this.host}:${this.port}${p.startsWith("/") ? p : "/" + p}`;
    }

    /** Workbench URL, e.g. `/?folder=WS&payload=[["extensionDevelopmentPath","vscode-remote://…"]]`. */
    workbenchUrl(options: WorkbenchUrlOptions = {}): string {
        const params = new URLSearchParams();
        if (options.folder) params.set("folder", path.resolve(options.folder));
        const payload: [string, string][] = [];
        const devPaths = options.extensionDevelopmentPath;
        for (const p of devPaths === undefined ? [] : Array.isArray(devPaths) ? devPaths : [devPaths])
            payload.push(["extensionDevelopmentPath", this.remoteUri(p)]);
        if (options.extensionTestsPath) payload.push(["extensionTestsPath", this.remoteUri(options.extensionTestsPath)]);
        payload.push(...(options.payload ?? []));
        if (payload.length > 0) params.set("payload", JSON.stringify(payload));
        const q = params.toString();
        return `${this.url}/${q ? "?" + q : ""}`;
    }

    outputTail(lines = 40): string {
        return this.output.slice(-lines).join("\n");
    }

    /** Synchronous SIGKILL of the whole process group (used by the process 'exit' hook). */
    killNow(): void {
        killGroup(this.child?.pid, "SIGKILL");
        live.delete(this);
    }

    /** SIGTERM to the process group, SIGKILL after a grace period, then removes the temp root. */
    async dispose(graceMs = 3000): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        const pid = this.child?.pid;
        if (pid !== undefined) {
            killGroup(pid, "SIGTERM");
            const deadline = Date.now() + graceMs;
            while (Date.now() < deadline && groupAlive(pid)) await sleep(100);
            // Children (watchers, extension hosts) may outlive the main process: kill the group anyway.
            killGroup(pid, "SIGKILL");
            const hardDeadline = Date.now() + 5000;
            while (Date.now() < hardDeadline && groupAlive(pid)) await sleep(50);
        }
        live.delete(this);
        if (!this.keepRoot)
            fs.rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
    if (pid === undefined) return;
    try {
        process.kill(-pid, signal);
    } catch {
        // ESRCH: already gone.
    }
}

function groupAlive(pid: number): boolean {
    try {
        process.kill(-pid, 0);
        return true;
    } catch {
        return false;
    }
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

function httpStatus(url: string): Promise<number> {
    return new Promise((resolve) => {
        const req = http.get(url, { timeout: 2000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(0));
    });
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}
