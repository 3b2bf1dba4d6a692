// Bundles the extension, the engine host process and the CLI. node-llama-cpp stays external: it is
// ESM-only, ships native binaries, and is loaded at run time with `import()`.
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");

const common = {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode", "node-llama-cpp"],
    sourcemap: production ? false : "linked",
    minify: production,
    logLevel: "warning"
};

const entryPoints = {
    cli: "src/cli.ts",
    extension: "src/extension.ts",
    engineHost: "src/engineHost/engineHostMain.ts",
    quality: "src/quality/qualityMain.ts"
};

await esbuild.build({
    ...common,
    entryPoints,
    outdir: "dist",
    banner: {}
});
