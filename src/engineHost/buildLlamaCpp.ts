// Builds llama.cpp for this machine from the source node-llama-cpp ships (its bundled git release,
// no download), with node-llama-cpp's own CLI, so the engine loads a binary compiled for this CPU
// (and GPU) instead of the generic prebuilt one. Free of VS Code: the command and tests call it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type { GpuSetting } from "../common/EngineOptions";
import { SpeculaError } from "../engine/SpeculaError";

export interface BuildLlamaCppOptions {
    /** The GPU setting the build is for ("off": CPU only). */
    readonly gpu: GpuSetting;
    /** One line of the build's output at a time (progress for the user, the log). */
    readonly onLine?: (line: string) => void;
    readonly signal?: AbortSignal;
    /** Where to look for cmake, npm, node and a C++ compiler. Defaults to process.env. */
    readonly env?: NodeJS.ProcessEnv;
    /** node-llama-cpp's package folder. Defaults to the one this extension loads. */
    readonly packageDir?: string;
}

/** The programs a build needs on PATH, by what they are for. */
const requiredTools: ReadonlyArray<{ readonly names: readonly string[]; readonly what: string }> = [
    { names: ["cmake"], what: "cmake" },
    { names: ["npm"], what: "npm (with Node.js)" },
    { names: ["node"], what: "Node.js" },
    ...(process.platform === "win32" ? [] : [{ names: ["c++", "g++", "clang++"], what: "a C++ compiler (g++ or clang++)" }])
];

/** node-llama-cpp's package folder, as the engine resolves it. */
export function nodeLlamaCppDir(): string {
    const require = createRequire(__filename);
    return path.dirname(require.resolve("node-llama-cpp/package.json"));
}

/** What a build needs and this machine lacks; empty when it can build. */
export function missingBuildTools(env: NodeJS.ProcessEnv = process.env): string[] {
    return requiredTools.filter((tool) => !tool.names.some((name) => findOnPath(name, env) != null)).map((tool) => tool.what);
}

/**
 * Compiles llama.cpp for this machine (node-llama-cpp's `source download`, which takes the release
 * it ships from its bundled git bundle and builds it with cmake). node-llama-cpp then prefers that
 * build whenever it loads, until it is removed ({@link removeLlamaCppBuild}). Rejects with a
 * SpeculaError naming what is missing or the build's last lines; with `signal.reason` when aborted.
 */
export async function buildLlamaCpp(options: BuildLlamaCppOptions): Promise<void> {
    const env = options.env ?? process.env;
    const missing = missingBuildTools(env);
    if (missing.length > 0)
        throw new SpeculaError("BUILD_FAILED", `Building llama.cpp for this machine needs ${missing.join(", ")} on the PATH; install ${missing.length === 1 ? "it" : "them"} and try again.`);
    const gpu = options.gpu === "off" ? "false" : options.gpu;
    await runCli(["source", "download", "--gpu", gpu, "--noUsageExample"], options, env);
}

/** Removes every local build: node-llama-cpp loads its prebuilt binary again. */
export async function removeLlamaCppBuild(options: Omit<BuildLlamaCppOptions, "gpu"> = {}): Promise<void> {
    await runCli(["source", "clear", "--type", "builds"], options, options.env ?? process.env);
}

async function runCli(args: readonly string[], options: Omit<BuildLlamaCppOptions, "gpu">, env: NodeJS.ProcessEnv): Promise<void> {
    options.signal?.throwIfAborted();
    const packageDir = options.packageDir ?? nodeLlamaCppDir();
    const node = findOnPath("node", env) ?? "node";
    const childEnv: NodeJS.ProcessEnv = { ...env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: "false" };
    // cmake-js compiles against Node's headers; where they came with Node it needs no download.
    const headers = nodeHeadersDir(node);
    if (headers != null && childEnv.npm_config_nodedir == null)
        childEnv.npm_config_nodedir = headers;
    const tail: string[] = [];
    const child = spawn(node, [path.join(packageDir, "dist", "cli", "cli.js"), ...args], {
        cwd: packageDir, env: childEnv, stdio: ["ignore", "pipe", "pipe"], detached: process.platform !== "win32"
    });
    const onAbort = () => killTree(child.pid);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const readLines = (stream: NodeJS.ReadableStream) => {
        let pending = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
            pending += chunk;
            const lines = pending.split(/\r?\n|\r/);
            pending = lines.pop() ?? "";
            for (const raw of lines) {
                // The CLI colours its output.
                const line = raw.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").trimEnd();
                if (line === "")
                    continue;
                tail.push(line);
                if (tail.length > 12)
                    tail.shift();
                options.onLine?.(line);
            }
        });
    };
    readLines(child.stdout);
    readLines(child.stderr);
    try {
        const code = await new Promise<number | null>((resolve, reject) => {
            child.once("error", reject);
            child.once("close", (exitCode) => resolve(exitCode));
        });
        options.signal?.throwIfAborted();
        if (code !== 0)
            throw new SpeculaError("BUILD_FAILED", `Building llama.cpp failed (exit code ${code}):\n${tail.join("\n")}`);
    } finally {
        options.signal?.removeEventListener("abort", onAbort);
    }
}

/** The folder holding include/node/node.h next to this `node`, for cmake-js (npm's `nodedir`). */
function nodeHeadersDir(node: string): string | undefined {
    const prefix = path.dirname(path.dirname(node));
    return existsSync(path.join(prefix, "include", "node", "node.h")) ? prefix : undefined;
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
    const dirs = (env.PATH ?? env.Path ?? "").split(path.delimiter).filter((dir) => dir !== "");
    const extensions = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
    for (const dir of dirs)
        for (const extension of extensions) {
            const candidate = path.join(dir, name + extension);
            if (existsSync(candidate))
                return candidate;
        }
    return undefined;
}

/** Stops the CLI and the compilers it started (they share its process group). */
function killTree(pid: number | undefined): void {
    if (pid == null)
        return;
    try {
        if (process.platform === "win32")
            spawn("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore" });
        else
            process.kill(-pid, "SIGTERM");
    } catch {
        // Already gone.
    }
}
