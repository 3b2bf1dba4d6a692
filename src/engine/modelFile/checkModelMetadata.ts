// What llama.cpp asserts on (GGML_ASSERT, or a C++ exception nothing catches) while it loads a
// model or first tokenizes with it, checked on the parsed header beforehand so that such a file
// becomes one clear message instead of an aborted process. Read from the llama.cpp source that
// node-llama-cpp 3.21.1 ships: llama-model.cpp (load_hparams), llama-vocab.cpp (load, tokenizers),
// llama-model-loader.cpp (typed keys) and ggml (types). The list cannot be complete, which is why
// models are also loaded only in a process whose death is reported, never in the editor's.
import { GgufType, ggmlTypes, ggufTypeNames, nonWeightGgmlTypes, vectorGgmlTypes } from "./ggufFormat";
import { isGgufArray, type GgufArray, type GgufHeader, type GgufKeyValue } from "./readGgufHeader";
import { quotedFromFile as q } from "../SpeculaError";

/** LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS (llama-hparams.h). */
const maxLayers = 512;
const maxExperts = 1024;
/** llama.cpp keeps positions and context sizes in int32. */
const maxContextLength = 2 ** 31 - 1;
/** The smallest context the engine works with (a prompt, a completion and a round of drafts). */
const minContextLength = 256;
/** No model is wider than this; a larger value is a corrupt field, and sizes computed from it overflow. */
const maxWidth = 1 << 20;

/** Architectures without attention heads (llm_arch_is_recurrent): their head counts may be 0. */
const recurrentArchitectures = new Set(["mamba", "mamba2", "rwkv6", "rwkv6qwen2", "rwkv7", "arwkv7"]);

/** llama_rope_scaling_type_from_string; anything else trips GGML_ASSERT(… != UNSPECIFIED). */
const ropeScalingTypes = new Set(["none", "linear", "yarn", "longrope"]);

/**
 * Tokenizers a completion model can use. "none"/"no_vocab" have no vocabulary (llama.cpp asserts
 * on the first tokenization), "rwkv" asserts on vocabularies without its escaped newline, and the
 * encoder vocabularies ("bert", "t5") belong to models that cannot complete text.
 */
const supportedTokenizers = new Set(["llama", "gpt2", "gemma4"]);

/**
 * Checks the metadata and tensor infos of a structurally valid header. Returns undefined when the
 * file looks loadable, or the problem in words that complete "The … file …".
 */
export function checkModelMetadata(header: GgufHeader): string | undefined {
    return checkArchitecture(header) ?? checkTokenizer(header) ?? checkTensors(header);
}

function checkArchitecture(header: GgufHeader): string | undefined {
    const architectureEntry = header.metadata.get("general.architecture");
    if (architectureEntry == null)
        return `has no "general.architecture" key`;
    // Key names are built from it and shown as they are ("llama.context_length"); llama.cpp's
    // architectures are short plain words.
    if (architectureEntry.type !== GgufType.String || !/^[\w.-]{1,64}$/.test(architectureEntry.value as string))
        return `has an invalid "general.architecture" (${describe(architectureEntry)})`;
    const architecture = architectureEntry.value as string;
    const key = (name: string) => `${architecture}.${name}`;
    const get = (name: string) => header.metadata.get(key(name));
    const recurrent = recurrentArchitectures.has(architecture);

    const required = ["context_length", "embedding_length", "block_count", ...(recurrent ? [] : ["feed_forward_length", "attention.head_count"])];
    const missing = required.filter((name) => get(name) == null);
    if (missing.length > 0)
        return `lacks required keys: ${missing.map(key).join(", ")}`;

    const contextLength = u32(get("context_length"), key("context_length"), 1, maxContextLength);
    if (typeof contextLength === "string")
        return contextLength;
    if (contextLength < minContextLength)
        return `has ${key("context_length")} = ${contextLength}: a completion needs a context of at least ${minContextLength} tokens`;
    const embedding = u32(get("embedding_length"), key("embedding_length"), 1, maxWidth);
    if (typeof embedding === "string")
        return embedding;
    const layers = u32(get("block_count"), key("block_count"), 1, maxLayers);
    if (typeof layers === "string")
        return layers;

    const minimum = recurrent ? 0 : 1;
    const feedForward = perLayer(get("feed_forward_length"), key("feed_forward_length"), layers, minimum, maxWidth * 64);
    if (typeof feedForward === "string")
        return feedForward;
    const heads = perLayer(get("attention.head_count"), key("attention.head_count"), layers, minimum, maxWidth);
    if (typeof heads === "string")
        return heads;
    const kvHeads = get("attention.head_count_kv") != null
        ? perLayer(get("attention.head_count_kv"), key("attention.head_count_kv"), layers, 0, maxWidth)
        : heads;
    if (typeof kvHeads === "string")
        return kvHeads;
    for (let layer = 0; layer < layers; layer++) {
        const h = heads[layer] ?? 0;
        const kv = kvHeads[layer] ?? 0;
        if (h > 0 && (kv === 0 || h % kv !== 0))
            return `has ${key("attention.head_count_kv")} = ${kv}${heads.length > 1 ? ` in layer ${layer}` : ""}, which does not divide ${key("attention.head_count")} = ${h}`;
    }

    for (const name of ["attention.key_length", "attention.value_length", "rope.dimension_count"]) {
        const value = get(name) != null ? u32(get(name), key(name), 1, maxWidth) : 0;
        if (typeof value === "string")
            return value;
    }
    const maxHeads = Math.max(...heads);
    if (maxHeads > 0 && !recurrent) {
        const headSize = embedding / maxHeads;
        const keyLength = get("attention.key_length")?.value as number | undefined ?? headSize;
        const valueLength = get("attention.value_length")?.value as number | undefined ?? headSize;
        const problem = checkAttentionShapes(header, key, layers, heads, kvHeads, keyLength, valueLength);
        if (problem != null)
            return problem;
    }

    for (const name of ["attention.layer_norm_rms_epsilon", "attention.layer_norm_epsilon"]) {
        const entry = get(name);
        if (entry != null && (entry.type !== GgufType.Float32 || !(Number(entry.value) > 0 && Number.isFinite(entry.value))))
            return `has ${key(name)} = ${describe(entry)}; it must be a positive finite f32`;
    }
    if (!recurrent && get("attention.layer_norm_rms_epsilon") == null && get("attention.layer_norm_epsilon") == null)
        return `lacks ${key("attention.layer_norm_rms_epsilon")} (or ${key("attention.layer_norm_epsilon")})`;

    const freqBase = get("rope.freq_base");
    if (freqBase != null && (freqBase.type !== GgufType.Float32 || !(Number(freqBase.value) > 0 && Number.isFinite(freqBase.value))))
        return `has ${key("rope.freq_base")} = ${describe(freqBase)}; it must be a positive finite f32`;
    for (const name of ["rope.scaling.factor", "rope.scale_linear"]) {
        const entry = get(name);
        if (entry != null && (entry.type !== GgufType.Float32 || !(Number(entry.value) >= 0 && Number.isFinite(entry.value))))
            return `has ${key(name)} = ${describe(entry)}; it must be a finite f32 ≥ 0`;
    }
    const scaling = get("rope.scaling.type");
    if (scaling != null && (scaling.type !== GgufType.String || !ropeScalingTypes.has(scaling.value as string)))
        return `has an unknown ${key("rope.scaling.type")} ${describe(scaling)} (known: ${[...ropeScalingTypes].join(", ")})`;

    return checkExperts(get, key, layers);
}

function checkExperts(get: (name: string) => GgufKeyValue | undefined, key: (name: string) => string, layers: number): string | undefined {
    const experts = get("expert_count") != null ? u32(get("expert_count"), key("expert_count"), 0, maxExperts) : 0;
    if (typeof experts === "string")
        return experts;
    const used = get("expert_used_count") != null ? perLayer(get("expert_used_count"), key("expert_used_count"), layers, 0, maxExperts) : [0];
    if (typeof used === "string")
        return used;
    const maxUsed = Math.max(...used);
    if (maxUsed > experts)
        return `uses ${maxUsed} experts per token (${key("expert_used_count")}) but has ${experts} (${key("expert_count")})`;
    if (experts > 0 && maxUsed === 0)
        return `has ${experts} experts (${key("expert_count")}) but ${key("expert_used_count")} is missing or 0`;
    const groups = get("expert_group_count") != null ? u32(get("expert_group_count"), key("expert_group_count"), 0, maxExperts) : 0;
    if (typeof groups === "string")
        return groups;
    const groupsUsed = get("expert_group_used_count") != null ? u32(get("expert_group_used_count"), key("expert_group_used_count"), 0, maxExperts) : 0;
    if (typeof groupsUsed === "string")
        return groupsUsed;
    if (experts === 0 && groups !== 0)
        return `has ${key("expert_group_count")} = ${groups} without experts`;
    if (experts > 0 && groups >= experts)
        return `has ${key("expert_group_count")} = ${groups}, not fewer than its ${experts} experts`;
    if (groups > 1 && (experts % groups !== 0 || groupsUsed === 0 || groupsUsed >= groups))
        return `has ${groups} expert groups for ${experts} experts with ${groupsUsed} used, which llama.cpp cannot split`;
    return undefined;
}

/**
 * The attention projections must have the shapes the head counts and lengths give (llama.cpp
 * builds its graph from the metadata and reshapes the tensors with it; a mismatch asserts inside
 * ggml). Only unfused, two-dimensional q/k/v/output projections are checked.
 */
function checkAttentionShapes(
    header: GgufHeader, key: (name: string) => string, layers: number,
    heads: readonly number[], kvHeads: readonly number[], keyLength: number, valueLength: number
): string | undefined {
    if (!Number.isInteger(keyLength) || !Number.isInteger(valueLength))
        return `has ${key("embedding_length")} not divisible by ${key("attention.head_count")} and no ${key("attention.key_length")}`;
    const tensors = new Map(header.tensors.map((tensor) => [tensor.name, tensor]));
    for (let layer = 0; layer < layers; layer++) {
        const h = heads[layer] ?? 0;
        const kv = kvHeads[layer] ?? 0;
        if (h === 0)
            continue;
        const expected: Array<[name: string, outputs: number, what: string]> = [
            ["attn_k", keyLength * kv, `${key("attention.key_length")} × ${key("attention.head_count_kv")} = ${keyLength} × ${kv}`],
            ["attn_v", valueLength * kv, `${key("attention.value_length")} × ${key("attention.head_count_kv")} = ${valueLength} × ${kv}`]
        ];
        for (const [part, outputs, what] of expected) {
            const tensor = tensors.get(`blk.${layer}.${part}.weight`);
            if (tensor != null && tensor.dims.length === 2 && tensor.dims[1] !== outputs)
                return `has tensor ${q(tensor.name)} with ${tensor.dims[1]} outputs, but its metadata says ${what} = ${outputs}`;
        }
        const output = tensors.get(`blk.${layer}.attn_output.weight`);
        if (output != null && output.dims.length === 2 && output.dims[0] !== valueLength * h && output.dims[0] !== keyLength * h)
            return `has tensor ${q(output.name)} with ${output.dims[0]} inputs, but its metadata says ${key("attention.value_length")} × ${key("attention.head_count")} = ${valueLength * h}`;
    }
    return undefined;
}

function checkTokenizer(header: GgufHeader): string | undefined {
    const modelEntry = header.metadata.get("tokenizer.ggml.model");
    const tokenList = header.metadata.get("tokenizer.ggml.tokens");
    if (modelEntry == null || tokenList == null || !isGgufArray(tokenList.value))
        return `has no tokenizer vocabulary ("tokenizer.ggml.model" / "tokenizer.ggml.tokens")`;
    if (modelEntry.type !== GgufType.String)
        return `has an invalid "tokenizer.ggml.model" (${describe(modelEntry)})`;
    const model = modelEntry.value as string;
    if (!supportedTokenizers.has(model))
        return `uses the tokenizer ${q(model)}, which Specula cannot complete text with (supported: ${[...supportedTokenizers].join(", ")})`;
    const tokens = tokenList.value;
    if (tokens.itemType !== GgufType.String || tokens.length === 0)
        return `has an invalid "tokenizer.ggml.tokens" (${describe(tokenList)}); it must be a non-empty list of strings`;
    if (tokens.length > maxContextLength)
        return `has ${tokens.length} tokens, which is not plausible`;

    // llama.cpp maps token text → id and asserts that no two tokens share a text (an empty text
    // becomes "[EMPTY_<id>]").
    const texts = tokens.items as readonly string[];
    const effective = (id: number) => texts[id] === "" ? `[EMPTY_${id}]` : texts[id]!;
    const seen = new Set<string>();
    for (let id = 0; id < texts.length; id++) {
        const text = effective(id);
        if (seen.has(text)) {
            let earlier = 0;
            while (effective(earlier) !== text)
                earlier++;
            return `has two tokens with the same text (ids ${earlier} and ${id}: ${q(Buffer.from(text, "latin1").toString("utf8"))})`;
        }
        seen.add(text);
    }

    for (const [name, itemTypes] of [["tokenizer.ggml.scores", [GgufType.Float32, GgufType.Int32]], ["tokenizer.ggml.token_type", [GgufType.Int32]]] as const) {
        const entry = header.metadata.get(name);
        if (entry == null)
            continue;
        if (!isGgufArray(entry.value) || !(itemTypes as readonly GgufType[]).includes(entry.value.itemType))
            return `has an invalid "${name}" (${describe(entry)})`;
        if (entry.value.length < tokens.length)
            return `has ${entry.value.length} entries in "${name}" for ${tokens.length} tokens`;
    }
    const merges = header.metadata.get("tokenizer.ggml.merges");
    if (merges != null && !(isGgufArray(merges.value) && merges.value.itemType === GgufType.String))
        return `has an invalid "tokenizer.ggml.merges" (${describe(merges)})`;

    if (model === "llama") {
        // The SPM tokenizer ranks pieces by score and falls back to the 256 byte tokens for any
        // character it lacks; without them it throws from inside tokenization, which aborts.
        if (header.metadata.get("tokenizer.ggml.scores") == null)
            return `uses the "llama" (SentencePiece) tokenizer without "tokenizer.ggml.scores"`;
        for (let byte = 0; byte < 256; byte++) {
            const text = `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
            if (!seen.has(text))
                return `uses the "llama" (SentencePiece) tokenizer but lacks the byte token ${text}`;
        }
    } else if (merges == null && header.metadata.get("tokenizer.ggml.pre")?.value !== "kimi-k2")
        return `uses the "${model}" (BPE) tokenizer without "tokenizer.ggml.merges"`;
    return undefined;
}

function checkTensors(header: GgufHeader): string | undefined {
    if (header.tensors.length === 0)
        return "contains no tensors";
    for (const tensor of header.tensors) {
        const typeName = ggmlTypes[tensor.ggmlType]!.name;
        if (nonWeightGgmlTypes.has(tensor.ggmlType))
            return `stores tensor ${q(tensor.name)} as ${typeName}, which llama.cpp cannot use for model weights`;
        if (tensor.dims.length === 1 && !vectorGgmlTypes.has(tensor.ggmlType))
            return `stores the one-dimensional tensor ${q(tensor.name)} as ${typeName}; norms and biases must be F32, F16 or BF16`;
    }
    return undefined;
}

/** A u32 key within [min, max], or the problem. */
function u32(entry: GgufKeyValue | undefined, name: string, min: number, max: number): number | string {
    if (entry == null)
        return `lacks ${name}`;
    if (entry.type !== GgufType.Uint32)
        return `has ${name} of type ${typeName(entry)}; llama.cpp reads it as u32`;
    const value = entry.value as number;
    if (value < min || value > max)
        return `has ${name} = ${value}, outside ${min}..${max}`;
    return value;
}

/** A key that is either one u32 for every layer or an array of u32/i32 with one entry per layer. */
function perLayer(entry: GgufKeyValue | undefined, name: string, layers: number, min: number, max: number): number[] | string {
    if (entry == null)
        return `lacks ${name}`;
    if (!isGgufArray(entry.value)) {
        const value = u32(entry, name, min, max);
        return typeof value === "string" ? value : new Array<number>(layers).fill(value);
    }
    const array: GgufArray = entry.value;
    if (array.itemType !== GgufType.Uint32 && array.itemType !== GgufType.Int32)
        return `has ${name} as an array of ${ggufTypeNames[array.itemType] ?? array.itemType}; llama.cpp reads u32 or i32`;
    if (array.length !== layers)
        return `has ${array.length} entries in ${name} for ${layers} layers`;
    const values = array.items as number[];
    const bad = values.findIndex((value) => value < 0 || value > max);
    if (bad >= 0)
        return `has ${name} = ${values[bad]} for layer ${bad}, outside 0..${max}`;
    if (min > 0 && values.every((value) => value === 0))
        return `has ${name} = 0 for every layer`;
    return values;
}

function typeName(entry: GgufKeyValue): string {
    return isGgufArray(entry.value) ? `array of ${ggufTypeNames[entry.value.itemType] ?? entry.value.itemType}` : ggufTypeNames[entry.type] ?? String(entry.type);
}

/** A short, one-line description of a metadata value for messages. */
function describe(entry: GgufKeyValue): string {
    if (isGgufArray(entry.value))
        return `an array of ${entry.value.length} ${ggufTypeNames[entry.value.itemType] ?? entry.value.itemType}`;
    const value = typeof entry.value === "string" ? q(entry.value) : String(entry.value);
    return `${value} (${typeName(entry)})`;
}
