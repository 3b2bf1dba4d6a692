// `npm run package`: one .vsix per platform, each with only that platform's node-llama-cpp binaries.
//
//   node scripts/package.mjs                              every default target (see TARGETS)
//   node scripts/package.mjs --target linux-x64           one target (comma-separate for several)
//   node scripts/package.mjs --cuda                       also the CUDA variants (linux-x64, win32-x64)
//   node scripts/package.mjs --out DIR --work DIR         where the .vsix files / staging folders go
//
// How: the production bundle (`scripts/build.mjs --production`: minified, no source maps) is built
// into a build folder under the work dir, so the repository's own dist/ (used by the tests) is left
// alone. Per target, a staging folder gets package.json + package-lock.json, the bundle, media/,
// README, CHANGELOG, LICENSE and .vscodeignore, then `npm ci --omit=dev --os=… --cpu=…` installs the
// production dependencies as that platform would get them (other platforms' @node-llama-cpp/*
// packages come from the npm registry, pinned by the lock file). What the extension never needs is
// pruned (other platforms' binaries, CUDA unless --cuda, llama.cpp's source bundle, the optional
// TypeScript peer, source maps), the result is checked, and `vsce package --target` packs it with
// the .vscodeignore allow-list. Prints a table of sizes and writes <out>/vsix-manifest.json.
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

/**
 * binaries: the @node-llama-cpp/* packages the .vsix ships (CPU first, then GPU backends).
 * cuda: shipped only in the "-cuda" variant (`--cuda`): ~540 MB unpacked on linux-x64, too big for
 * one download that every user of the platform gets (and over Open VSX's 256 MB upload cap).
 */
export const TARGETS = {
    "linux-x64": { os: "linux", cpu: "x64", binaries: ["linux-x64", "linux-x64-vulkan"], cuda: ["linux-x64-cuda", "linux-x64-cuda-ext"] },
    "linux-arm64": { os: "linux", cpu: "arm64", binaries: ["linux-arm64"], cuda: [] },
    "darwin-arm64": { os: "darwin", cpu: "arm64", binaries: ["mac-arm64-metal"], cuda: [] },
    "darwin-x64": { os: "darwin", cpu: "x64", binaries: ["mac-x64"], cuda: [] },
    "win32-x64": { os: "win32", cpu: "x64", binaries: ["win-x64", "win-x64-vulkan"], cuda: ["win-x64-cuda", "win-x64-cuda-ext"] },
    "win32-arm64": { os: "win32", cpu: "arm64", binaries: ["win-arm64"], cuda: [] }
};

/** Files copied from the repository into every staging folder (the bundle is added separately). */
const COPIED = ["package.json", "package-lock.json", ".vscodeignore", "README.md", "CHANGELOG.md", "LICENSE", "media"];

function parseArgs(argv) {
    const options = { targets: Object.keys(TARGETS), cuda: false, out: root, work: path.join(root, ".cache", "package") };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v == null) throw new Error(`${arg} needs a value`);
            return v;
        };
        if (arg === "--target" || arg === "--targets") options.targets = value().split(",").map((t) => t.trim()).filter(Boolean);
        else if (arg === "--cuda") options.cuda = true;
        else if (arg === "--out") options.out = path.resolve(value());
        else if (arg === "--work") options.work = path.resolve(value());
        else if (arg === "--help" || arg === "-h") {
            console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").filter((l) => l.startsWith("//")).join("\n"));
            process.exit(0);
        } else throw new Error(`unknown argument ${arg}`);
    }
    for (const t of options.targets) if (!(t in TARGETS)) throw new Error(`unknown target ${t}; known: ${Object.keys(TARGETS).join(", ")}`);
    return options;
}

function run(command, args, cwd, label) {
    const started = Date.now();
    const result = spawnSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
    if (result.status !== 0) {
        process.stderr.write(result.stdout ?? "");
        process.stderr.write(result.stderr ?? "");
        throw new Error(`${label} failed (exit ${result.status ?? result.signal})`);
    }
    return { ms: Date.now() - started, stdout: result.stdout };
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function copyInto(stage, name) {
    const from = path.join(root, name);
    if (!fs.existsSync(from)) throw new Error(`${name} is missing in the repository`);
    fs.cpSync(from, path.join(stage, name), { recursive: true });
}

function dirBytes(dir) {
    let total = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) total += dirBytes(full);
        else if (entry.isFile()) total += fs.statSync(full).size;
    }
    return total;
}

function removeFiles(dir, test) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) removeFiles(full, test);
        else if (test(entry.name)) fs.rmSync(full);
    }
}

/** The production bundle, built by scripts/build.mjs in a shadow folder so the repository's dist/ stays as it is. */
function buildBundle(work) {
    const shadow = path.join(work, "bundle");
    fs.rmSync(shadow, { recursive: true, force: true });
    fs.mkdirSync(shadow, { recursive: true });
    for (const name of ["src", "node_modules", "tsconfig.json", "package.json"])
        fs.symlinkSync(path.join(root, name), path.join(shadow, name));
    const { ms } = run(process.execPath, [path.join(root, "scripts", "build.mjs"), "--production"], shadow, "production bundle");
    const dist = path.join(shadow, "dist");
    for (const file of ["extension.js", "engineHost.js"])
        if (!fs.existsSync(path.join(dist, file))) throw new Error(`production bundle lacks dist/${file}`);
    return { dist, ms };
}

/** Stages one target: files, production dependencies for that platform, pruning, checks. */
function stage(target, variant, work, bundleDist) {
    const spec = TARGETS[target];
    const dir = path.join(work, "stage", `${target}${variant.cuda ? "-cuda" : ""}`);
    const stamp = path.join(dir, "node_modules", ".specula-stage.json");
    const lock = crypto.createHash("sha256").update(fs.readFileSync(path.join(root, "package-lock.json"))).digest("hex");
    const wanted = JSON.stringify({ target, cuda: variant.cuda, lock });
    const reuse = fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === wanted;

    // Everything but node_modules is copied fresh every time.
    if (fs.existsSync(dir))
        for (const name of fs.readdirSync(dir)) if (name !== "node_modules" || !reuse) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const name of COPIED) copyInto(dir, name);
    fs.cpSync(bundleDist, path.join(dir, "dist"), { recursive: true });

    let installMs = 0;
    if (!reuse) {
        ({ ms: installMs } = run(
            "npm",
            ["ci", "--omit=dev", "--ignore-scripts", `--os=${spec.os}`, `--cpu=${spec.cpu}`, "--no-audit", "--no-fund", "--loglevel=error"],
            dir,
            `npm ci for ${target}`
        ));
        const modules = path.join(dir, "node_modules");
        // Other platforms' binaries that npm still matched (several packages declare cpu x64 too), and CUDA
        // unless this is the CUDA variant.
        const keep = new Set([...spec.binaries, ...(variant.cuda ? spec.cuda : [])]);
        const scope = path.join(modules, "@node-llama-cpp");
        for (const name of fs.existsSync(scope) ? fs.readdirSync(scope) : [])
            if (!keep.has(name)) fs.rmSync(path.join(scope, name), { recursive: true, force: true });
        // llama.cpp's git bundle (34 MB) is only for building from source; the engine loads prebuilt
        // binaries with `build: "never"`.
        fs.rmSync(path.join(modules, "node-llama-cpp", "llama", "gitRelease.bundle"), { force: true });
        // TypeScript is an optional peer of node-llama-cpp (23 MB) that npm installs because it is one of
        // our devDependencies; nothing at run time needs it.
        fs.rmSync(path.join(modules, "typescript"), { recursive: true, force: true });
        fs.rmSync(path.join(modules, ".bin", "tsc"), { force: true });
        fs.rmSync(path.join(modules, ".bin", "tsserver"), { force: true });
        removeFiles(modules, (name) => name.endsWith(".map"));
        fs.writeFileSync(stamp, wanted);
    }

    // Checks: exactly this platform's binaries; the fixture corpus (node-llama-cpp's .d.ts files) is there.
    const scope = path.join(dir, "node_modules", "@node-llama-cpp");
    const present = fs.existsSync(scope) ? fs.readdirSync(scope).sort() : [];
    const expected = [...spec.binaries, ...(variant.cuda ? spec.cuda : [])].sort();
    if (JSON.stringify(present) !== JSON.stringify(expected))
        throw new Error(`${target}: staged @node-llama-cpp packages are [${present}], expected [${expected}]`);
    for (const name of expected) {
        const version = JSON.parse(fs.readFileSync(path.join(scope, name, "package.json"), "utf8")).version;
        if (version !== pkg.dependencies["node-llama-cpp"]) throw new Error(`${target}: @node-llama-cpp/${name} is ${version}, not ${pkg.dependencies["node-llama-cpp"]}`);
    }
    const typings = path.join(dir, "node_modules", "node-llama-cpp", "dist", "index.d.ts");
    if (!fs.existsSync(typings)) throw new Error(`${target}: node-llama-cpp's .d.ts files (the fixture corpus) are missing`);
    return { dir, installMs, reused: reuse, stagedBytes: dirBytes(dir) };
}

/** Entry names of a zip file, from its central directory (a .vsix is a plain zip, no ZIP64 here). */
export function zipEntries(file) {
    const data = fs.readFileSync(file);
    let end = -1;
    for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 65535); i--)
        if (data.readUInt32LE(i) === 0x06054b50) {
            end = i;
            break;
        }
    if (end < 0) throw new Error(`${file}: no zip end-of-central-directory record`);
    const count = data.readUInt16LE(end + 10);
    let offset = data.readUInt32LE(end + 16);
    if (count === 0xffff || offset === 0xffffffff) throw new Error(`${file}: ZIP64 archives are not read here`);
    const names = [];
    for (let n = 0; n < count; n++) {
        if (data.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
        const nameLength = data.readUInt16LE(offset + 28);
        const extraLength = data.readUInt16LE(offset + 30);
        const commentLength = data.readUInt16LE(offset + 32);
        names.push(data.toString("utf8", offset + 46, offset + 46 + nameLength));
        offset += 46 + nameLength + extraLength + commentLength;
    }
    return names;
}

/** What must (not) be in a target's .vsix; returns a list of problems (empty when fine). */
export function checkVsixEntries(entries, target, cuda = false) {
    const problems = [];
    const has = (name) => entries.includes(`extension/${name}`);
    // vsce stores README.md, CHANGELOG.md and LICENSE as readme.md, changelog.md and LICENSE.txt.
    const required = ["package.json", "dist/extension.js", "dist/engineHost.js", "readme.md", "changelog.md", "LICENSE.txt", "media/icon.png", "node_modules/node-llama-cpp/package.json", "node_modules/node-llama-cpp/dist/index.d.ts"];
    for (const name of required)
        if (!has(name)) problems.push(`missing ${name}`);
    const binaries = new Set(entries.map((e) => /^extension\/node_modules\/@node-llama-cpp\/([^/]+)\//.exec(e)?.[1]).filter(Boolean));
    const expected = new Set([...TARGETS[target].binaries, ...(cuda ? TARGETS[target].cuda : [])]);
    for (const b of binaries) if (!expected.has(b)) problems.push(`ships another platform's or variant's binaries: @node-llama-cpp/${b}`);
    for (const b of expected) if (!binaries.has(b)) problems.push(`lacks @node-llama-cpp/${b}`);
    for (const e of entries) {
        if (/\.map$/.test(e)) problems.push(`source map ${e}`);
        else if (/^extension\/(src|test|out|scripts|\.cache|test-artifacts|\.ci)\//.test(e)) problems.push(`not for shipping: ${e}`);
        else if (/^extension\/node_modules\/(typescript|mocha|esbuild|@vscode\/vsce|playwright-core)\//.test(e)) problems.push(`dev dependency shipped: ${e}`);
        else if (/\.gguf$|gitRelease\.bundle$|\.vsix$/.test(e)) problems.push(`cache or model shipped: ${e}`);
    }
    return problems;
}

function packageTarget(target, variant, options, bundleDist) {
    const staged = stage(target, variant, options.work, bundleDist);
    const name = `${pkg.name}-${target}${variant.cuda ? "-cuda" : ""}-${pkg.version}.vsix`;
    const file = path.join(options.out, name);
    fs.mkdirSync(options.out, { recursive: true });
    fs.rmSync(file, { force: true });
    const vsce = path.join(root, "node_modules", "@vscode", "vsce", "vsce");
    const { ms: vsceMs } = run(process.execPath, [vsce, "package", "--target", target, "--out", file, "--no-update-package-json", "--no-git-tag-version"], staged.dir, `vsce package --target ${target}`);
    const entries = zipEntries(file);
    const problems = checkVsixEntries(entries, target, variant.cuda);
    if (problems.length > 0) throw new Error(`${name}:\n  ${problems.slice(0, 30).join("\n  ")}`);
    return { target, cuda: variant.cuda, file, bytes: fs.statSync(file).size, files: entries.length, stagedBytes: staged.stagedBytes, installMs: staged.installMs, reused: staged.reused, vsceMs };
}

/**
 * One packaging run per work dir at a time (several test runs may share a checkout): a lock folder
 * holding the owner's pid; a lock whose process is gone is taken over.
 */
function lockWorkDir(work) {
    const lock = path.join(work, ".lock");
    const deadline = Date.now() + 15 * 60_000;
    for (let announced = false; ; ) {
        try {
            fs.mkdirSync(lock);
            fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
            const release = () => fs.rmSync(lock, { recursive: true, force: true });
            process.on("exit", release);
            return;
        } catch (err) {
            if (err?.code !== "EEXIST") throw err;
        }
        let owner = NaN;
        try {
            owner = Number(fs.readFileSync(path.join(lock, "pid"), "utf8"));
        } catch {
            // Being created or removed right now.
        }
        let alive = true;
        if (Number.isInteger(owner) && owner > 0)
            try {
                process.kill(owner, 0);
            } catch (e) {
                alive = e?.code === "EPERM";
            }
        if (!alive) {
            fs.rmSync(lock, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline) throw new Error(`${work} stays locked by process ${owner}`);
        if (!announced) console.log(`waiting for another packaging run (pid ${owner}) in ${work}`);
        announced = true;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
}

function main() {
    const options = parseArgs(process.argv.slice(2));
    const started = Date.now();
    fs.mkdirSync(options.work, { recursive: true });
    lockWorkDir(options.work);
    const bundle = buildBundle(options.work);
    console.log(`production bundle: ${seconds(bundle.ms)}`);
    const results = [];
    for (const target of options.targets) {
        const variants = [{ cuda: false }, ...(options.cuda && TARGETS[target].cuda.length > 0 ? [{ cuda: true }] : [])];
        for (const variant of variants) {
            const r = packageTarget(target, variant, options, bundle.dist);
            results.push(r);
            console.log(
                `${path.relative(process.cwd(), r.file) || r.file}: ${megabytes(r.bytes)} (${r.files} files, ${megabytes(r.stagedBytes)} staged; ` +
                    `npm ci ${r.reused ? "reused" : seconds(r.installMs)}, vsce ${seconds(r.vsceMs)})`
            );
        }
    }
    const manifest = results.map(({ target, cuda, file, bytes, files }) => ({ target, cuda, file, bytes, files }));
    fs.writeFileSync(path.join(options.out === root ? options.work : options.out, "vsix-manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    console.log(`\n${results.length} .vsix in ${seconds(Date.now() - started)}`);
    console.log("| target | .vsix | size |\n|---|---|---|");
    for (const r of results) console.log(`| ${r.target}${r.cuda ? " (CUDA)" : ""} | ${path.basename(r.file)} | ${megabytes(r.bytes)} |`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    try {
        main();
    } catch (err) {
        console.error(`package: ${err instanceof Error ? err.message : err}`);
        process.exit(1);
    }
}
