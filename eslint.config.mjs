// `npm run lint`: layer rules (which folder may import which) and one basic style.
//
// Layers, from the bottom: src/engine (llama.cpp, no editor), src/completion (what to ask and what
// to show, no editor), src/nextEdit (next-edit prompts and output, no editor), src/config (settings parsing, no editor), src/host (the engine host process),
// src/bench (measurements), then the adapters on top: src/cli (terminal) and src/vscode (the
// extension). Only src/vscode, src/extension.ts and the real-VS Code tests may import `vscode`;
// the bench imports neither the CLI nor the editor, so it can run anywhere the engine runs.
import stylistic from "@stylistic/eslint-plugin";
import tseslint from "typescript-eslint";

const noVscode = { name: "vscode", message: "This layer runs without VS Code: keep `vscode` in src/vscode." };

/** `no-restricted-imports` that forbids `vscode` and the sibling folders named. */
function layer(folders, why) {
    return {
        "no-restricted-imports": ["error", {
            paths: [noVscode],
            patterns: folders.length === 0 ? [] : [{
                group: folders.flatMap((folder) => [`../${folder}`, `../${folder}/**`, `../../${folder}`, `../../${folder}/**`]),
                message: why
            }]
        }]
    };
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
            "@stylistic/comma-dangle": ["error", "never"],
            "@stylistic/member-delimiter-style": "error",
            "@stylistic/keyword-spacing": "error",
            "@stylistic/space-infix-ops": "error"
        }
    },
    { files: ["src/engine/**/*.ts"], rules: layer(["completion", "config", "host", "bench", "cli", "vscode", "quality"], "src/engine is the bottom layer: it imports no other src folder.") },
    { files: ["src/completion/**/*.ts"], rules: layer(["host", "bench", "cli", "vscode", "quality"], "src/completion sits on src/engine only.") },
    { files: ["src/nextEdit/**/*.ts"], rules: layer(["completion", "config", "host", "bench", "cli", "vscode", "quality"], "src/nextEdit (next-edit prompts and output) sits on src/engine only.") },
    { files: ["src/config/**/*.ts"], rules: layer(["completion", "host", "bench", "cli", "vscode", "quality"], "src/config is read by the adapters; it imports only engine types.") },
    { files: ["src/host/**/*.ts"], rules: layer(["bench", "cli", "vscode", "quality"], "The engine host runs without the CLI or the editor.") },
    { files: ["src/bench/**/*.ts"], rules: layer(["cli", "host", "vscode"], "The bench imports neither the CLI nor the editor: put what both need in src/bench or below.") },
    { files: ["src/quality/**/*.ts", "src/fixtures/**/*.ts"], rules: layer(["cli", "vscode"], "Runs from plain Node, without the CLI or the editor.") },
    { files: ["src/cli/**/*.ts", "src/cli.ts"], rules: layer(["vscode"], "The CLI runs without the editor.") },
    { files: ["test/unit/**/*.ts", "test/engine/**/*.ts", "test/fixtures/**/*.ts", "test/support/**/*.ts"], rules: layer([], "") }
);
