// The one declaration of the decoding options: each option's default, the range the engine accepts
// (checked at the engine host's boundary and on the command line) and the narrower range the
// settings offer. package.json's `specula.*` settings must declare the same default, bounds and enum
// (VS Code reads them from there; test/unit/config/settingsSchema.test.ts checks they match).

interface BooleanOption {
    readonly type: "boolean";
    readonly default: boolean;
}

interface EnumOption<T extends string> {
    readonly type: "string";
    readonly default: T;
    readonly enum: readonly T[];
}

interface NumberOption {
    readonly type: "integer" | "number";
    readonly default: number;
    /** What the engine accepts from a caller (engine host protocol, command line). */
    readonly accepted: { readonly min: number; readonly max: number };
    /** What the VS Code setting offers (package.json `minimum` / `maximum`). */
    readonly setting: { readonly minimum: number; readonly maximum: number };
}

export const decodingOptions = {
    /** Draft tokens and verify them with the target in one pass. Defaults to true. */
    speculative: { type: "boolean", default: true } satisfies BooleanOption,
    /** Who proposes tokens when speculation is on. Defaults to "hybrid". */
    drafter: { type: "string", default: "hybrid", enum: ["hybrid", "model", "ngram"] } satisfies EnumOption<"hybrid" | "model" | "ngram">,
    /** Most tokens the draft proposes per round (K). Defaults to 8. */
    draftMax: { type: "integer", default: 8, accepted: { min: 0, max: 64 }, setting: { minimum: 1, maximum: 32 } } satisfies NumberOption,
    /** Adapt K to the observed acceptance. Defaults to true. */
    adaptiveDraft: { type: "boolean", default: true } satisfies BooleanOption,
    /** Stop a drafting round once the draft's probability for its next token falls below this; 0 never stops. Defaults to 0. */
    draftConfidence: { type: "number", default: 0, accepted: { min: 0, max: 1 }, setting: { minimum: 0, maximum: 1 } } satisfies NumberOption,
    /**
     * Lookup drafting (the "ngram" and "hybrid" drafters) also copies from a pool of what earlier
     * requests saw and wrote — other files in their extra context, earlier versions of this one, earlier
     * completions — not only from the current prompt. Greedy decoding only. Defaults to false.
     */
    lookupPool: { type: "boolean", default: false } satisfies BooleanOption,
    /** Sampling temperature; 0 is greedy. Defaults to 0. */
    temperature: { type: "number", default: 0, accepted: { min: 0, max: 100 }, setting: { minimum: 0, maximum: 2 } } satisfies NumberOption,
    /** Most tokens generated for one completion. Defaults to 128. */
    maxTokens: { type: "integer", default: 128, accepted: { min: 0, max: 1 << 20 }, setting: { minimum: 1, maximum: 1024 } } satisfies NumberOption,
    /** Most lines in one completion; 0 or absent in a request means no limit. Defaults to 8 in the editor. */
    maxLines: { type: "integer", default: 8, accepted: { min: 0, max: 1 << 20 }, setting: { minimum: 1, maximum: 200 } } satisfies NumberOption
} as const;

export type DecodingOptionName = keyof typeof decodingOptions;

/** The value an option's declaration describes: a boolean, one of its choices, or a number. */
type ValueOf<Declared> = Declared extends { readonly type: "boolean" } ? boolean
    : Declared extends { readonly enum: readonly (infer Choice)[] } ? Choice
    : number;

/** A value for every decoding option, typed by its declaration (each keeps the table's doc comment). */
export type DecodingOptionValues = { -readonly [Name in DecodingOptionName]: ValueOf<(typeof decodingOptions)[Name]> };

/**
 * The options a loaded engine keeps between requests and changes without reloading (the others —
 * temperature, maxTokens, maxLines — come with each request).
 */
export const engineDecodingOptionNames = ["speculative", "drafter", "draftMax", "adaptiveDraft", "draftConfidence", "lookupPool"] as const satisfies readonly DecodingOptionName[];

export type EngineDecodingOptionName = (typeof engineDecodingOptionNames)[number];

/** What the engine decodes with between requests; `Partial` of it is what a caller may change. */
export type EngineDecodingOptions = Pick<DecodingOptionValues, EngineDecodingOptionName>;

/** The engine's decoding options: each one given, or else its declared default. */
export function withDecodingDefaults(given: Partial<EngineDecodingOptions>): EngineDecodingOptions {
    return Object.fromEntries(engineDecodingOptionNames.map((name) => [name, given[name] ?? decodingOptions[name].default])) as EngineDecodingOptions;
}
