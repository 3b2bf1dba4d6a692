// Constants of the GGUF file format and of the ggml tensor types, as the llama.cpp that
// node-llama-cpp 3.21.1 ships defines them (ggml/include/ggml.h, ggml/src/gguf.cpp). No I/O here.

/** GGUF metadata value types (gguf_type). */
export const enum GgufType {
    Uint8 = 0,
    Int8 = 1,
    Uint16 = 2,
    Int16 = 3,
    Uint32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    Uint64 = 10,
    Int64 = 11,
    Float64 = 12
}

/** Bytes of one scalar of each fixed-size type; strings are a u64 length plus bytes (8 at least). */
export const ggufScalarBytes: Readonly<Record<number, number>> = {
    [GgufType.Uint8]: 1, [GgufType.Int8]: 1, [GgufType.Uint16]: 2, [GgufType.Int16]: 2,
    [GgufType.Uint32]: 4, [GgufType.Int32]: 4, [GgufType.Float32]: 4, [GgufType.Bool]: 1,
    [GgufType.Uint64]: 8, [GgufType.Int64]: 8, [GgufType.Float64]: 8
};

export const ggufTypeNames: Readonly<Record<number, string>> = {
    0: "u8", 1: "i8", 2: "u16", 3: "i16", 4: "u32", 5: "i32", 6: "f32", 7: "bool", 8: "string",
    9: "array", 10: "u64", 11: "i64", 12: "f64"
};

export interface GgmlTypeLayout {
    readonly name: string;
    /** Bytes of one block. */
    readonly blockBytes: number;
    /** Values in one block; a row's length must be a multiple of it. */
    readonly blockValues: number;
}

/**
 * Every ggml type id a GGUF file may use, with its block layout (ggml_type_size, ggml_blck_size,
 * printed from the shipped source). Ids not listed (4, 5, 31–33, 36–38: removed types, and
 * everything from 43 on) are refused.
 */
export const ggmlTypes: Readonly<Record<number, GgmlTypeLayout>> = {
    0: { name: "F32", blockBytes: 4, blockValues: 1 },
    1: { name: "F16", blockBytes: 2, blockValues: 1 },
    2: { name: "Q4_0", blockBytes: 18, blockValues: 32 },
    3: { name: "Q4_1", blockBytes: 20, blockValues: 32 },
    6: { name: "Q5_0", blockBytes: 22, blockValues: 32 },
    7: { name: "Q5_1", blockBytes: 24, blockValues: 32 },
    8: { name: "Q8_0", blockBytes: 34, blockValues: 32 },
    9: { name: "Q8_1", blockBytes: 36, blockValues: 32 },
    10: { name: "Q2_K", blockBytes: 84, blockValues: 256 },
    11: { name: "Q3_K", blockBytes: 110, blockValues: 256 },
    12: { name: "Q4_K", blockBytes: 144, blockValues: 256 },
    13: { name: "Q5_K", blockBytes: 176, blockValues: 256 },
    14: { name: "Q6_K", blockBytes: 210, blockValues: 256 },
    15: { name: "Q8_K", blockBytes: 292, blockValues: 256 },
    16: { name: "IQ2_XXS", blockBytes: 66, blockValues: 256 },
    17: { name: "IQ2_XS", blockBytes: 74, blockValues: 256 },
    18: { name: "IQ3_XXS", blockBytes: 98, blockValues: 256 },
    19: { name: "IQ1_S", blockBytes: 50, blockValues: 256 },
    20: { name: "IQ4_NL", blockBytes: 18, blockValues: 32 },
    21: { name: "IQ3_S", blockBytes: 110, blockValues: 256 },
    22: { name: "IQ2_S", blockBytes: 82, blockValues: 256 },
    23: { name: "IQ4_XS", blockBytes: 136, blockValues: 256 },
    24: { name: "I8", blockBytes: 1, blockValues: 1 },
    25: { name: "I16", blockBytes: 2, blockValues: 1 },
    26: { name: "I32", blockBytes: 4, blockValues: 1 },
    27: { name: "I64", blockBytes: 8, blockValues: 1 },
    28: { name: "F64", blockBytes: 8, blockValues: 1 },
    29: { name: "IQ1_M", blockBytes: 56, blockValues: 256 },
    30: { name: "BF16", blockBytes: 2, blockValues: 1 },
    34: { name: "TQ1_0", blockBytes: 54, blockValues: 256 },
    35: { name: "TQ2_0", blockBytes: 66, blockValues: 256 },
    39: { name: "MXFP4", blockBytes: 17, blockValues: 32 },
    40: { name: "NVFP4", blockBytes: 36, blockValues: 64 },
    41: { name: "Q1_0", blockBytes: 18, blockValues: 128 },
    42: { name: "Q2_0", blockBytes: 18, blockValues: 64 }
};

/** Types that hold integers or doubles: no llama.cpp model uses them for weights or norms. */
export const nonWeightGgmlTypes: ReadonlySet<number> = new Set([24, 25, 26, 27, 28]);

/** Float types a one-dimensional tensor (a norm, a bias) may be stored in. */
export const vectorGgmlTypes: ReadonlySet<number> = new Set([0, 1, 30]);

/** gguf.cpp's limits, and the tensor-name limit of ggml (GGML_MAX_NAME − 1 bytes). */
export const GGUF_MAX_DIMS = 4;
export const GGUF_MAX_TENSOR_NAME_BYTES = 63;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/**
 * Limits of Specula's own header reader, far above any real model (the largest vocabularies have
 * ~260 k tokens and headers of ~20 MB) and low enough that a hostile header cannot exhaust memory
 * or time before it is refused.
 */
export const headerLimits = {
    /** Bytes of one metadata string (a chat template is tens of KB). */
    maxStringBytes: 16 * 1024 * 1024,
    /** Elements of one metadata array. */
    maxArrayLength: 16 * 1024 * 1024,
    /** Bytes of metadata plus tensor infos. */
    maxHeaderBytes: 512 * 1024 * 1024,
    maxKeyValues: 1_000_000,
    maxTensors: 1_000_000
} as const;
