// A real llama-server (built by scripts/build-llama-server.sh, cached outside the clone) on
// 127.0.0.1 for the server backend's tests: start it with a model pair, kill it mid-request,
// restart it on the same port. Also a loopback TCP proxy that can slow its answers down.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";

/** The built llama-server, or undefined (with the script's reason) when there is none. Never builds. */
export function findLlamaServer(repository: string): { path?: string; reason: string } {
    const result = spawnSync("bash", [path.join(repository, "scripts", "build-llama-server.sh"), "--find"], { cwd: repository, encoding: "utf8" });
    const found = result.stdout.trim();
    if (result.status === 0 && found !== "")
        return { path: found, reason: "" };
    return { reason: (result.stderr || `scripts/build-llama-server.sh --find exited with ${String(result.status)}`).trim() };
}

export interface LlamaServerOptions {
    readonly binary: string;
    readonly target: string;
    readonly draft?: string;
    /** --spm-infill (the fixture models declare SPM). */
    readonly spm: boolean;
    readonly apiKey?: string;
    readonly contextSize?: number;
    /** Listen here (restarts use the same port); a free one when omitted. */
    readonly port?: number;
    /** More arguments, after the others (e.g. `--spec-type ngram-mod`). */
    readonly extraArgs?: readonly string[];
}

export interface LlamaServerProcess {
    readonly url: string;
    readonly port: number;
    readonly pid: number | undefined;
    /** The server's log lines, most recent last. */
    readonly logs: string[];
    /** SIGKILL, as a crash: connections drop without an answer. Resolves once it has exited. */
    kill(): Promise<void>;
    /** Starts it again on the same port with the same options; resolves when /health answers 200. */
    restart(): Promise<void>;
    /** SIGTERM and wait. */
    stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = net.createServer();
        probe.once("error", reject);
        probe.listen(0, "127.0.0.1", () => {
            const port = (probe.address() as net.AddressInfo).port;
            probe.close(() => resolve(port));
        });
    });
}

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServerProcess> {
    const port = options.port ?? await freePort();
    const logs: string[] = [];
    let child: ChildProcess | undefined;
    const args = [
        "-m", options.target,
        ...(options.draft != null ? ["-md", options.draft, "--spec-type", "draft-simple", "-td", "1"] : []),
        "--host", "127.0.0.1", "--port", String(port),
        "-t", "1", "-c", String(options.contextSize ?? 4096), "-np", "1", "--no-webui",
        ...(options.spm ? ["--spm-infill"] : []),
        ...(options.apiKey != null ? ["--api-key", options.apiKey] : []),
        ...(options.extraArgs ?? [])
    ];
    const exited = () => child == null || child.exitCode != null || child.signalCode != null;
    const waitForExit = () => new Promise<void>((resolve) => {
        if (exited())
            resolve();
        else
            child!.once("exit", () => resolve());
    });
    const launch = async () => {
        const started = spawn(options.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
        child = started;
        const keep = (chunk: Buffer) => {
            logs.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
            if (logs.length > 400)
                logs.splice(0, logs.length - 400);
        };
        started.stdout!.on("data", keep);
        started.stderr!.on("data", keep);
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            if (started.exitCode != null || started.signalCode != null)
                throw new Error(`llama-server exited (${started.exitCode ?? started.signalCode}) while starting:\n${logs.slice(-15).join("\n")}`);
            const healthy = await fetch(`http://127.0.0.1:${port}/health`).then((answer) => answer.status === 200, () => false);
            if (healthy)
                return;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        started.kill("SIGKILL");
        throw new Error(`llama-server did not answer /health within 60 s:\n${logs.slice(-15).join("\n")}`);
    };
    await launch();
    return {
        url: `http://127.0.0.1:${port}`,
        port,
        get pid() {
            return child?.pid;
        },
        logs,
        kill: async () => {
            child?.kill("SIGKILL");
            await waitForExit();
        },
        restart: async () => {
            child?.kill("SIGKILL");
            await waitForExit();
            await launch();
        },
        stop: async () => {
            child?.kill("SIGTERM");
            await Promise.race([waitForExit(), new Promise((resolve) => setTimeout(resolve, 5000))]);
            if (!exited()) {
                child?.kill("SIGKILL");
                await waitForExit();
            }
        }
    };
}

export interface SlowProxy {
    readonly url: string;
    /** Delay added before each chunk the server sends back; 0 passes bytes through at once. */
    delayMs: number;
    /**
     * Resets every open connection now, dropping what is still held back: what a client sees when
     * the server dies (without it, chunks the server sent before dying would still arrive, delayed).
     */
    dropConnections(): void;
    close(): Promise<void>;
}

/** A loopback TCP proxy to `target` that can hold back the server's answers (a slow network or an overloaded server). */
export async function startSlowProxy(targetPort: number): Promise<SlowProxy> {
    const sockets = new Set<net.Socket>();
    const state = { delayMs: 0 };
    const server = net.createServer((client) => {
        const upstream = net.connect(targetPort, "127.0.0.1");
        sockets.add(client);
        sockets.add(upstream);
        let queue = Promise.resolve();
        client.on("data", (chunk) => upstream.write(chunk));
        upstream.on("data", (chunk) => {
            const delay = state.delayMs;
            queue = queue.then(() => new Promise<void>((resolve) => setTimeout(() => {
                if (!client.destroyed)
                    client.write(chunk);
                resolve();
            }, delay)));
        });
        const close = () => {
            client.destroy();
            upstream.destroy();
            sockets.delete(client);
            sockets.delete(upstream);
        };
        client.on("close", close);
        client.on("error", close);
        upstream.on("close", () => void queue.then(close));
        upstream.on("error", close);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        get delayMs() {
            return state.delayMs;
        },
        set delayMs(value: number) {
            state.delayMs = value;
        },
        dropConnections: () => {
            for (const socket of sockets)
                socket.resetAndDestroy();
            sockets.clear();
        },
        close: () => new Promise<void>((resolve) => {
            for (const socket of sockets)
                socket.destroy();
            server.close(() => resolve());
        })
    };
}
