// Model pairs: the presets shipped with the extension, parsing of the user's `specula.modelPairs`,
// and the rules for which model URIs may be loaded or downloaded. No `vscode` import.
import * as path from "node:path";

/** A target model plus the draft model that speculates for it. */
export interface ModelPair {
    readonly name: string;
    /** Local path, `hf:` URI, `https://` URL or `fixture:<name>`. */
    readonly target: string;
    /** Same forms as `target`. Without a draft the target decodes alone. */
    readonly draft?: string;
    /** Optional SHA-256 (hex) the target file must have before it is used. */
    readonly targetSha256?: string;
    readonly draftSha256?: string;
    /** Where the pair comes from, shown in the pair picker. */
    readonly origin: "preset" | "settings";
    /** One line shown in the pair picker. */
    readonly description?: string;
}

const qwen = (size: string) =>
    `hf:ggml-org/Qwen2.5-Coder-${size}-Q8_0-GGUF/qwen2.5-coder-${size.toLowerCase()}-q8_0.gguf`;

/** Name of the pair made of the generated fixture models (tiny, instant, for tests and demos). */
export const fixturePairName = "Built-in fixture pair (tiny test models)";

/** Name of the pair of small models trained on real code (test/models/code-pair), with a cost-realistic target. */
export const codePairName = "Built-in code pair (small trained models)";

/**
 * Pairs the extension knows without configuration. The Qwen2.5-Coder base models (not Instruct)
 * are the ones trained for fill-in-the-middle; ggml-org publishes them as single Q8_0 files, the
 * same files llama.cpp's own `--fim-qwen-*` presets download. They share the 0.5B model's
 * vocabulary, so the 0.5B drafts for each of them.
 */
export const presetPairs: readonly ModelPair[] = [
    {
        name: "Qwen2.5-Coder 1.5B + 0.5B draft",
        target: qwen("1.5B"),
        draft: qwen("0.5B"),
        origin: "preset",
        description: "Q8_0, ~2.1 GB download, runs on most laptops"
    },
    {
        name: "Qwen2.5-Coder 3B + 0.5B draft",
        target: qwen("3B"),
        draft: qwen("0.5B"),
        origin: "preset",
        description: "Q8_0, ~3.8 GB download, needs ~6 GB of free memory"
    },
    {
        name: "Qwen2.5-Coder 7B + 0.5B draft",
        target: qwen("7B"),
        draft: qwen("0.5B"),
        origin: "preset",
        description: "Q8_0, ~8.6 GB download, best with a GPU"
    },
    {
        name: fixturePairName,
        target: "fixture:smallTarget",
        draft: "fixture:smallDraft",
        origin: "preset",
        description: "generated on first use, no download; shows the machinery, not useful code"
    },
    {
        name: codePairName,
        target: "fixture:codePaddedTarget",
        draft: "fixture:codeDraft",
        origin: "preset",
        description: "7.7 M / 2.9 M-parameter models trained on JS/TS, Python and C, target padded to a real model's cost; in a clone of the repository only"
    }
];

/**
 * Next-edit models, chosen by `specula.nextEdit.model` with the id before the colon. They load in
 * the next-edit engine process through the same steps as a completion pair: the same download
 * (with the user's consent and a progress notification), SHA-256 check when one is pinned, memory
 * check and draft vocabulary check.
 *
 * Sweep Next-Edit 1.5B: Sweep's own GGUF, repository `sweepai/sweep-next-edit-1.5B`, file
 * `sweep-next-edit-1.5b.q8_0.v2.gguf` (Q8_0). The names come from public code that downloads it
 * (found with the project's code search, December 2026): Sweep's JetBrains plugin
 * (`LocalAutocompleteServerManager.kt`, MODEL_15B_REPO / MODEL_15B_FILENAME) and several Nix and
 * Python scripts with the same repository and file; the model card's address is
 * https://huggingface.co/sweepai/sweep-next-edit-1.5B. Two of those scripts pin a SHA-256
 * (1321ea5e5d7529e60f9770c6a0b3a965f89542d16cf4ae51bab267f6a88150da, 1,537,269,856 bytes), but
 * nothing could be downloaded where this was written, so the hash is not pinned here (like the
 * Qwen presets, which pin none): a pin that turned out wrong would delete a good download.
 * Sweep Next-Edit is a Qwen2.5-Coder fine-tune with its vocabulary, so the Qwen2.5-Coder 0.5B base
 * model of the completion presets (the same file, downloaded once for both) drafts for it.
 */
export const nextEditPresets: readonly { readonly id: string; readonly pair: ModelPair }[] = [
    {
        id: "sweep-1.5b",
        pair: {
            name: "Sweep Next-Edit 1.5B + Qwen2.5-Coder 0.5B draft",
            target: "hf:sweepai/sweep-next-edit-1.5B/sweep-next-edit-1.5b.q8_0.v2.gguf",
            draft: qwen("0.5B"),
            origin: "preset",
            description: "Q8_0, ~1.5 GB + ~0.5 GB download; not yet tried with the real weights"
        }
    },
    {
        id: "fixture",
        pair: {
            name: "Built-in next-edit fixture (tiny trained model)",
            target: "fixture:nextEditTarget",
            origin: "preset",
            description: "7.7 M-parameter model fine-tuned on synthetic edits (test/models/next-edit); in a clone of the repository only"
        }
    }
];

export type NextEditModelChoice =
    | { readonly kind: "none" }
    | { readonly kind: "pair"; readonly pair: ModelPair }
    | { readonly kind: "invalid"; readonly problem: string };

/**
 * What `specula.nextEdit.model` names: a next-edit preset by id ("sweep-1.5b", "fixture"), an entry
 * of `specula.modelPairs` by name (a target with its draft and pinned hashes), or one model (an
 * absolute path, an `hf:` URI or an https URL) decoding with its own copy drafts only. Empty: none.
 */
export function nextEditModelPair(setting: string, configured: readonly ModelPair[]): NextEditModelChoice {
    const value = setting.trim();
    if (value === "")
        return { kind: "none" };
    const preset = nextEditPresets.find((candidate) => candidate.id === value.toLowerCase());
    if (preset != null)
        return { kind: "pair", pair: preset.pair };
    const named = configured.find((pair) => pair.name === value);
    if (named != null)
        return { kind: "pair", pair: named };
    const kind = classifyModelUri(value);
    if (kind.kind === "invalid")
        return {
            kind: "invalid",
            problem: `specula.nextEdit.model "${value}" is not a next-edit preset (${nextEditPresets.map((candidate) => candidate.id).join(", ")}), `
                + `nor the name of an entry of specula.modelPairs, and as a model it ${kind.reason}.`
        };
    return { kind: "pair", pair: { name: describeModelUri(value), target: value, origin: "settings" } };
}

export type ModelUriKind =
    | { readonly kind: "file"; readonly path: string }
    | { readonly kind: "hf"; readonly uri: string }
    | { readonly kind: "url"; readonly url: URL }
    | { readonly kind: "fixture"; readonly name: string }
    | { readonly kind: "invalid"; readonly reason: string };

/** Tells what a model reference in settings is, and rejects forms that must never be used. */
export function classifyModelUri(value: string): ModelUriKind {
    const trimmed = value.trim();
    if (trimmed === "")
        return { kind: "invalid", reason: "is empty" };
    if (trimmed.startsWith("fixture:")) {
        const name = trimmed.slice("fixture:".length);
        return /^[A-Za-z][A-Za-z0-9]*$/.test(name)
            ? { kind: "fixture", name }
            : { kind: "invalid", reason: `names no built-in fixture model ("${name}")` };
    }
    if (trimmed.startsWith("hf:"))
        // hf:<user>/<repo>:<quant> or hf:<user>/<repo>/<file>[#<branch>]
        return /^hf:[\w.-]+\/[\w.-]+([:/#].*)?$/.test(trimmed)
            ? { kind: "hf", uri: trimmed }
            : { kind: "invalid", reason: "is not a valid hf:<user>/<repo>[:<quant>|/<file>] URI" };
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
        let url: URL;
        try {
            url = new URL(trimmed);
        } catch {
            return { kind: "invalid", reason: "is not a valid URL" };
        }
        const problem = downloadUrlProblem(url);
        return problem == null ? { kind: "url", url } : { kind: "invalid", reason: problem };
    }
    if (!path.isAbsolute(trimmed) && !trimmed.startsWith("~"))
        return { kind: "invalid", reason: "is a relative path; use an absolute path, an hf: URI or an https:// URL" };
    return { kind: "file", path: trimmed };
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * Downloads go over https only; plain http is allowed to loopback addresses, which never leave the
 * machine (tests and local mirrors use them). Returns why a URL is refused, or undefined.
 */
export function downloadUrlProblem(url: URL): string | undefined {
    if (url.protocol === "https:")
        return url.username === "" && url.password === "" ? undefined : "must not carry credentials in the URL";
    if (url.protocol === "http:")
        return loopbackHosts.has(url.hostname) ? undefined : "uses plain http; only https downloads are allowed (http only to localhost)";
    return `uses the unsupported scheme "${url.protocol}"; use https://, hf: or a local path`;
}

/** Whether a reference must be downloaded before it can be loaded. */
export function isRemoteModelUri(value: string): boolean {
    const kind = classifyModelUri(value).kind;
    return kind === "hf" || kind === "url";
}

const sha256Pattern = /^[0-9a-f]{64}$/i;

export interface ParsedModelPairs {
    readonly pairs: ModelPair[];
    /** One line per entry that was skipped, naming it and why. */
    readonly problems: string[];
}

/** Reads the raw `specula.modelPairs` value; bad entries are reported, never thrown. */
export function parseModelPairs(raw: unknown): ParsedModelPairs {
    const pairs: ModelPair[] = [];
    const problems: string[] = [];
    if (raw == null)
        return { pairs, problems };
    if (!Array.isArray(raw))
        return { pairs, problems: ["specula.modelPairs must be a list of {name, target, draft} objects."] };
    raw.forEach((entry: unknown, index) => {
        const label = `specula.modelPairs[${index}]`;
        if (entry == null || typeof entry !== "object" || Array.isArray(entry)) {
            problems.push(`${label} is not an object.`);
            return;
        }
        const record = entry as Record<string, unknown>;
        const name = typeof record.name === "string" ? record.name.trim() : "";
        if (name === "") {
            problems.push(`${label} has no "name".`);
            return;
        }
        const target = typeof record.target === "string" ? record.target.trim() : "";
        const targetKind = classifyModelUri(target);
        if (targetKind.kind === "invalid") {
            problems.push(`${label} ("${name}"): target ${targetKind.reason}.`);
            return;
        }
        let draft: string | undefined;
        if (record.draft != null && record.draft !== "") {
            draft = typeof record.draft === "string" ? record.draft.trim() : "";
            const draftKind = classifyModelUri(draft);
            if (draftKind.kind === "invalid") {
                problems.push(`${label} ("${name}"): draft ${draftKind.reason}.`);
                return;
            }
        }
        const hashes: { targetSha256?: string; draftSha256?: string } = {};
        for (const key of ["targetSha256", "draftSha256"] as const) {
            const value = record[key];
            if (value == null || value === "")
                continue;
            if (typeof value !== "string" || !sha256Pattern.test(value)) {
                problems.push(`${label} ("${name}"): ${key} must be 64 hexadecimal characters.`);
                return;
            }
            hashes[key] = value.toLowerCase();
        }
        if (pairs.some((pair) => pair.name === name) || presetPairs.some((pair) => pair.name === name))
            problems.push(`${label}: a pair named "${name}" already exists; the later one is ignored.`);
        else
            pairs.push({ name, target, ...(draft != null ? { draft } : {}), ...hashes, origin: "settings" });
    });
    return { pairs, problems };
}

/** Presets first, then the user's pairs. */
export function allModelPairs(configured: readonly ModelPair[]): ModelPair[] {
    return [...presetPairs, ...configured];
}

/** Short text of where a model comes from, for logs and the pair picker. */
export function describeModelUri(value: string): string {
    const kind = classifyModelUri(value);
    switch (kind.kind) {
        case "file": return path.basename(kind.path);
        case "hf": return kind.uri.replace(/^hf:/, "");
        case "url": return `${kind.url.host}/${path.basename(kind.url.pathname)}`;
        case "fixture": return `built-in ${kind.name}`;
        case "invalid": return value;
    }
}
