import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const scriptName = path.join("scripts", "build-llama-server.sh");

/** The project root (the folder holding scripts/build-llama-server.sh), found from this file; undefined in an installed extension. */
export function projectRoot(from = __dirname): string | undefined {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, scriptName)))
            return dir;
        if (path.dirname(dir) === dir)
            return undefined;
    }
}

/**
 * The `llama-server` built by scripts/build-llama-server.sh from the llama.cpp source node-llama-cpp
 * ships. "find" only looks in the script's cache; "build" builds it when missing (about 20 min on
 * 2 vCPUs, once). Resolves to the binary's path, or to the reason there is none (never rejects).
 */
export async function locateLlamaServer(how: "find" | "build", log: (line: string) => void = () => {}): Promise<{ binary: string } | { reason: string }> {
    const root = projectRoot();
    if (root == null)
        return { reason: `${scriptName} not found (not a source checkout)` };
    const child = spawn("bash", [path.join(root, scriptName), ...(how === "find" ? ["--find"] : [])], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let lastLine = "";
    child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString("utf8"); });
    child.stderr.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split("\n")) {
            if (line.trim() === "")
                continue;
            lastLine = line;
            if (line.startsWith("[build-llama-server]"))
                log(line);
        }
    });
    const code = await new Promise<number | null>((resolve) => {
        child.on("error", () => resolve(null));
        child.on("close", (exitCode) => resolve(exitCode));
    });
    const binary = stdout.trim().split("\n").pop() ?? "";
    if (code === 0 && binary !== "" && fs.existsSync(binary))
        return { binary };
    return { reason: `${scriptName}${how === "find" ? " --find" : ""} exited ${code ?? "without starting"}${lastLine !== "" ? `: ${lastLine.replace(/^\[build-llama-server\] /, "")}` : ""}` };
}
