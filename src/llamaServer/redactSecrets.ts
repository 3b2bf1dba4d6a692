// Server texts (error bodies, streamed errors, model names) are shown in the log and the status
// bar; a server or proxy that echoes the Authorization header would put the API key there. Every
// such text goes through `redactSecrets` first. No `vscode` import.

/** What a redacted secret is replaced with. */
export const REDACTED = "[redacted]";

/** Shapes of credentials, each with what replaces it (`$1`: the part kept). */
const secretShapes: readonly (readonly [RegExp, string])[] = [
    // An Authorization header's value: `Bearer …` (any value), `Basic …` (base64).
    [/\b(Bearer)\s+(?!\[redacted\])[^\s"',;)\]}]+/gi, `$1 ${REDACTED}`],
    [/\b(Basic)\s+[A-Za-z0-9+/]{8,}={0,2}/g, `$1 ${REDACTED}`],
    // Keys with a well-known prefix (OpenAI-style sk-…, Hugging Face hf_…, GitHub ghp_…).
    [/\b(sk-|hf_|ghp_|gho_|github_pat_)[A-Za-z0-9_-]{6,}/g, `$1${REDACTED}`],
    // `api_key=…`, `apikey: …`, `password=…`, `secret: …`.
    [/\b((?:api[_-]?key|password|secret)["']?\s*[=:]\s*["']?)[^\s"',;&)\]}]+/gi, `$1${REDACTED}`]
];

/** Keys shorter than this are not searched for as text (they would match ordinary words). */
const minKeyLength = 4;

/** `text` without `apiKey` (anywhere in it) and without anything shaped like a credential. */
export function redactSecrets(text: string, apiKey?: string): string {
    const key = apiKey?.trim() ?? "";
    let result = key.length >= minKeyLength ? text.split(key).join(REDACTED) : text;
    for (const [shape, replacement] of secretShapes)
        result = result.replace(shape, replacement);
    return result;
}
