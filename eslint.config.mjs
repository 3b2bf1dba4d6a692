// `npm run lint`: layer rules (which folder may import which) and one basic style.
//
// Layers, from the bottom: src/common (types, option declarations and helpers every layer shares;
// imports no other folder), src/engine (llama.cpp, no editor), src/completion (what to ask and what
// to show, no editor), src/nextEdit (next-edit prompts and output, no editor), src/config (settings
// parsing, no editor), src/engineHost (the engine host process), src/llamaServer (the llama.cpp server backend:
// HTTP, no model in-process), src/bench (measurements), then the adapters on top: src/cli (terminal)
// and src/vscode (the extension). Only src/vscode, src/extension.ts and the real-VS Code tests may
// import `vscode`; src/vscode imports no engine code (the engine runs in its own process); the bench
// imports neither the CLI nor the editor, so it can run anywhere the engine runs.
import stylistic from "@stylistic/eslint-plugin";
import tseslint from "typescript-eslint";

const noVscode = { name: "vscode", message: "This layer runs without VS Code: keep `vscode` in src/vscode." };

/** The import specifiers of `folders` from a layer's files (src/<layer>/**) and from src/cli.ts and src/extension.ts. */
function specifiers(folders) {
    return folders.flatMap((folder) => [`./${folder}`, `./${folder}/**`, `../${folder}`, `../${folder}/**`, `../../${folder}`, `../../${folder}/**`]);
}

/**
 * `no-restricted-imports` that forbids `vscode` (unless `allowVscode`) and the sibling folders named;
 * `modules` adds single modules (folder/file) with a reason of their own.
 */
function layer(folders, why, { allowVscode = false, modules = [], modulesWhy = "" } = {}) {
    const patterns = [];
    if (folders.length > 0)
        patterns.push({ group: specifiers(folders), message: why });
    if (modules.length > 0)
        patterns.push({ group: specifiers(modules), message: modulesWhy });
    return { "no-restricted-imports": ["error", { paths: allowVscode ? [] : [noVscode], patterns }] };
}

export default tseslint.config(
    { ignores: ["out/**", "dist/**", "node_modules/**", ".cache/**", "test-artifacts/**", "test/e2e/fixtures-extension/**"] },
    {
        files: ["**/*.ts"],
        languageOptions: { parser: tseslint.parser },
        plugins: { "@typescript-eslint": tseslint.plugin, "@stylistic": stylistic },
        linterOptions: { reportUnusedDisableDirectives: "error" },
        rules: {
            // Correctness that tsc does not check.
            "eqeqeq": ["error", "always", { null: "ignore" }],
            "no-var": "error",
            "prefer-const": "error",
            "no-throw-literal": "error",
            "no-debugger": "error",
            "no-duplicate-imports": "error",
            "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
            // One style, the one the code is written in.
            "@stylistic/semi": ["error", "always"],
            "@stylistic/quotes": ["error", "double", { avoidEscape: true, allowTemplateLiterals: "always" }],
            "@stylistic/indent": ["error", 4, { SwitchCase: 1, flatTernaryExpressions: true, offsetTernaryExpressions: false, ignoredNodes: ["ConditionalExpression"] }],
            "@stylistic/no-trailing-spaces": "error",
            "@stylistic/eol-last": ["error", "always"],
            "@stylistic/brace-style": ["error", "1tbs", { allowSingleLine: true }],
            // Braces only around more than one statement (the style the code is written in).
            "curly": ["error", "multi"],
            "@stylistic/comma-dangle": ["error", "never"],
            "@stylistic/member-delimiter-style": "error",
            "@stylistic/keyword-spacing": "error",
            "@stylistic/space-infix-ops": "error"
        }
    },
    { files: ["src/common/**/*.ts"], rules: layer(["engine", "completion", "config", "engineHost", "llamaServer", "bench", "cli", "vscode", "quality", "fixtures"], "src/common is shared by every layer: it imports no other src folder.") },
    { files: ["src/engine/**/*.ts"], rules: layer(["completion", "config", "engineHost", "llamaServer", "bench", "cli", "vscode", "quality", "fixtures"], "src/engine sits on src/common only.") },
    { files: ["src/completion/**/*.ts"], rules: layer(["engineHost", "bench", "cli", "vscode", "quality"], "src/completion sits on src/engine only.") },
    { files: ["src/nextEdit/**/*.ts"], rules: layer(["completion", "config", "engineHost", "bench", "cli", "vscode", "quality"], "src/nextEdit (next-edit prompts and output) sits on src/engine only.") },
    { files: ["src/config/**/*.ts"], rules: layer(["completion", "engineHost", "bench", "cli", "vscode", "quality"], "src/config is read by the adapters; it imports only engine types.") },
    { files: ["src/engineHost/**/*.ts"], rules: layer(["bench", "cli", "vscode", "quality"], "The engine host runs without the CLI or the editor.") },
    { files: ["src/bench/**/*.ts"], rules: layer(["cli", "engineHost", "vscode"], "The bench imports neither the CLI nor the editor: put what both need in src/bench or below.") },
    { files: ["src/quality/**/*.ts", "src/fixtures/**/*.ts"], rules: layer(["cli", "vscode"], "Runs from plain Node, without the CLI or the editor.") },
    { files: ["src/cli/**/*.ts", "src/cli.ts"], rules: layer(["vscode"], "The CLI runs without the editor.") },
    {
        files: ["src/llamaServer/**/*.ts"],
        rules: layer(["engineHost", "bench", "cli", "vscode", "quality", "fixtures"], "src/llamaServer is the extension's HTTP client of llama-server: it imports neither the engine host, the bench, the CLI nor the editor.", {
            modules: ["engine/SpeculativeEngine", "engine/loadModelPair", "engine/loadLlama", "engine/ModelRunner", "engine/drafters", "engine/modelFile"],
            modulesWhy: "src/llamaServer runs in the extension host and loads no model: it may share the engine's prompt building, not its model code."
        })
    },
    {
        // One llama-server client: the bench's peer talks to its server through src/llamaServer too.
        files: ["src/bench/**/*.ts", "src/llamaServer/**/*.ts"],
        rules: { "no-restricted-globals": ["error", { name: "fetch", message: "Talk to llama-server through src/llamaServer/LlamaServerHttp (HttpConnection.ts says why not fetch)." }] }
    },
    {
        files: ["src/vscode/**/*.ts", "src/extension.ts"],
        rules: layer(["engine", "bench", "cli", "quality", "fixtures"], "The extension host runs no engine code (the engine runs in its own process, src/engineHost): put what both need in src/common.", { allowVscode: true })
    },
    { files: ["test/unit/**/*.ts", "test/engine/**/*.ts", "test/fixtures/**/*.ts", "test/support/**/*.ts"], rules: layer([], "") }
);
