// node-llama-cpp is ESM-only; this project compiles to CommonJS. Type imports need the
// resolution-mode attribute, so they live here once and everything else imports from this file.
export type {
    Llama,
    LlamaModel,
    LlamaContext,
    LlamaContextSequence,
    Token,
    GgufFileInfo,
    ControlledEvaluateInputItem,
    ControlledEvaluateIndexOutput
} from "node-llama-cpp" with { "resolution-mode": "import" };

export type NodeLlamaCpp = typeof import("node-llama-cpp", { with: { "resolution-mode": "import" } });

let loaded: Promise<NodeLlamaCpp> | undefined;

/** Loads node-llama-cpp once per process; it must stay an `import()` because the package is ESM-only. */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
    loaded ??= import("node-llama-cpp");
    return loaded;
}
