import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildLlamaCpp, missingBuildTools, removeLlamaCppBuild } from "../../../src/engineHost/buildLlamaCpp";
import { isSpeculaError } from "../../../src/engine/SpeculaError";

/** A PATH with the named programs (empty scripts) and the real node; a fake node-llama-cpp whose CLI runs `cli`. */
function sandbox(tools: readonly string[], cli: string) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "specula-build-"));
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    for (const tool of tools) {
        fs.writeFileSync(path.join(bin, tool), "#!/bin/sh\nexit 0\n");
        fs.chmodSync(path.join(bin, tool), 0o755);
    }
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const packageDir = path.join(root, "node-llama-cpp");
    fs.mkdirSync(path.join(packageDir, "dist", "cli"), { recursive: true });
    fs.writeFileSync(path.join(packageDir, "dist", "cli", "cli.js"), cli);
    return { root, packageDir, env: { PATH: bin, HOME: root } };
}

const allTools = ["cmake", "npm", "c++"];

describe("buildLlamaCpp", function () {
    if (process.platform === "win32")
        return;

    it("names every program a build needs that is not on the PATH, and starts nothing then", async () => {
        const { env, packageDir, root } = sandbox(["npm"], `require("fs").writeFileSync(process.env.HOME + "/ran", "")`);
        assert.deepEqual(missingBuildTools(env), ["cmake", "a C++ compiler (g++ or clang++)"]);
        assert.deepEqual(missingBuildTools(sandbox(allTools, "").env), []);
        await assert.rejects(buildLlamaCpp({ gpu: "off", env, packageDir }), (error: unknown) =>
            isSpeculaError(error) && error.code === "BUILD_FAILED" && /needs cmake, a C\+\+ compiler \(g\+\+ or clang\+\+\) on the PATH/.test(error.message));
        assert.equal(fs.existsSync(path.join(root, "ran")), false);
    });

    it("runs node-llama-cpp's source download for the GPU setting and passes its output on line by line, without colours", async () => {
        const { env, packageDir, root } = sandbox(allTools, `
            require("fs").writeFileSync(${JSON.stringify("")} + process.env.HOME + "/args.json", JSON.stringify(process.argv.slice(2)));
            process.stdout.write("\\u001b[32m[1/3] Building CXX\\u001b[39m\\n[2/3] Building CXX\\n");
            process.stderr.write("[3/3] Linking\\n");`);
        const lines: string[] = [];
        await buildLlamaCpp({ gpu: "off", env, packageDir, onLine: (line) => lines.push(line) });
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, "args.json"), "utf8")), ["source", "download", "--gpu", "false", "--noUsageExample"]);
        assert.deepEqual([...lines].sort(), ["[1/3] Building CXX", "[2/3] Building CXX", "[3/3] Linking"]);
    });

    it("a failing build rejects with its last lines", async () => {
        const { env, packageDir } = sandbox(allTools, `console.log("CMake Error: no compiler"); process.exit(3);`);
        await assert.rejects(buildLlamaCpp({ gpu: "auto", env, packageDir }), (error: unknown) =>
            isSpeculaError(error) && error.code === "BUILD_FAILED" && /exit code 3/.test(error.message) && /CMake Error: no compiler/.test(error.message));
    });

    it("aborting stops the build and what it started, and rejects with the abort's reason", async () => {
        const { env, packageDir, root } = sandbox(allTools, `
            const { spawn } = require("child_process");
            const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
            require("fs").writeFileSync(process.env.HOME + "/child.pid", String(child.pid));
            console.log("[1/277] Building CXX");
            setInterval(() => {}, 1000);`);
        const abort = new AbortController();
        const reason = new Error("cancelled by the user");
        const building = buildLlamaCpp({ gpu: "off", env, packageDir, signal: abort.signal, onLine: () => abort.abort(reason) });
        await assert.rejects(building, (error: unknown) => error === reason);
        const pid = Number(fs.readFileSync(path.join(root, "child.pid"), "utf8"));
        const deadline = Date.now() + 5000;
        while (isAlive(pid) && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(isAlive(pid), false, "the compiler the build started was stopped too");
    });

    it("removing the build runs node-llama-cpp's source clear for builds", async () => {
        const { env, packageDir, root } = sandbox(allTools, `require("fs").writeFileSync(process.env.HOME + "/args.json", JSON.stringify(process.argv.slice(2)));`);
        await removeLlamaCppBuild({ env, packageDir });
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, "args.json"), "utf8")), ["source", "clear", "--type", "builds"]);
    });
});

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}
