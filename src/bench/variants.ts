import type { DecodingOptions } from "../engine/SpeculativeEngine";
import type { NativeMode } from "./LlamaServerPeer";

export type VariantId = "target" | "peer" | "server" | "server-md" | "server-ngram" | "server-md-ngram" | "k1" | "k2" | "k4" | "k8" | "pmin" | "adaptive" | "ngram" | "hybrid" | "ngram-pool" | "hybrid-pool";

export interface VariantSpec {
    readonly id: VariantId;
    readonly label: string;
    /** Fixed draft length, for the analytic comparison; undefined when K varies per round. */
    readonly fixedK?: number;
    /** Engine settings; undefined for the peers (node-llama-cpp's predictor, llama-server). */
    readonly engine?: { readonly speculative: boolean; readonly decoding?: Partial<DecodingOptions> };
    /** llama.cpp's own server in this mode (a native build of the same llama.cpp release). */
    readonly native?: NativeMode;
}

/** The llama-server rows, in report order. */
export const nativeVariants: readonly VariantSpec[] = [
    { id: "server", label: "llama-server (llama.cpp, native build), target alone", native: "plain" },
    { id: "server-md", label: "llama-server, draft model (`-md`, draft-simple)", native: "draft" },
    { id: "server-ngram", label: "llama-server, `--spec-type ngram-mod`", native: "ngram" },
    { id: "server-md-ngram", label: "llama-server, draft model + ngram-mod", native: "draft+ngram" }
];

/** Every variant the report compares, in report order. `draftConfidence` undefined = the engine default. */
export function allVariants(defaultConfidence: number): VariantSpec[] {
    const fixed = (k: number): VariantSpec => ({
        id: `k${k}` as VariantId,
        label: `Specula, draft model, K = ${k}`,
        fixedK: k,
        engine: { speculative: true, decoding: { drafter: "model", draftMax: k, adaptiveDraft: false, draftConfidence: 0, lookupPool: false } }
    });
    return [
        { id: "target", label: "target alone (greedy)", engine: { speculative: false } },
        { id: "peer", label: "node-llama-cpp DraftSequenceTokenPredictor" },
        ...nativeVariants,
        fixed(1), fixed(2), fixed(4), fixed(8),
        {
            id: "pmin", label: "Specula, draft model, llama-server's policy (K ≤ 16, stop below confidence 0.75)",
            engine: { speculative: true, decoding: { drafter: "model", draftMax: 16, adaptiveDraft: false, draftConfidence: 0.75, lookupPool: false } }
        },
        {
            id: "adaptive", label: "Specula, draft model, adaptive K ≤ 8",
            engine: { speculative: true, decoding: { drafter: "model", draftMax: 8, adaptiveDraft: true, draftConfidence: defaultConfidence, lookupPool: false } }
        },
        {
            id: "ngram", label: "Specula, prompt lookup alone, adaptive K ≤ 8",
            engine: { speculative: true, decoding: { drafter: "ngram", draftMax: 8, adaptiveDraft: true, draftConfidence: defaultConfidence, lookupPool: false } }
        },
        {
            id: "ngram-pool", label: "Specula, lookup with the cross-request pool, adaptive K ≤ 8",
            engine: { speculative: true, decoding: { drafter: "ngram", draftMax: 8, adaptiveDraft: true, draftConfidence: defaultConfidence, lookupPool: true } }
        },
        {
            id: "hybrid", label: "Specula, hybrid (lookup + draft model), adaptive K ≤ 8 — product default",
            engine: { speculative: true, decoding: { drafter: "hybrid", draftMax: 8, adaptiveDraft: true, draftConfidence: defaultConfidence, lookupPool: false } }
        },
        {
            id: "hybrid-pool", label: "Specula, hybrid with the cross-request pool, adaptive K ≤ 8",
            engine: { speculative: true, decoding: { drafter: "hybrid", draftMax: 8, adaptiveDraft: true, draftConfidence: defaultConfidence, lookupPool: true } }
        }
    ];
}

/** Parses `--variants`: "all" or a comma-separated list of ids; "target" is always included (it is the reference). */
export function selectVariants(spec: string, defaultConfidence: number): VariantSpec[] {
    const all = allVariants(defaultConfidence);
    if (spec.trim() === "all")
        return all;
    const wanted = new Set(spec.split(",").map((part) => part.trim()).filter((part) => part !== ""));
    for (const id of wanted)
        if (!all.some((variant) => variant.id === id))
            throw new Error(`unknown variant "${id}" (expected all or some of ${all.map((variant) => variant.id).join(", ")})`);
    wanted.add("target");
    return all.filter((variant) => wanted.has(variant.id));
}
