/** Kinds of failure a user can act on; the CLI and the extension map each to one clear message. */
export type SpeculaErrorCode =
    | "BAD_ARGUMENT"
    | "FILE_NOT_FOUND"
    | "FILE_UNREADABLE"
    | "INVALID_GGUF"
    | "UNSUPPORTED_MODEL"
    | "INCOMPATIBLE_VOCABULARY"
    | "INSUFFICIENT_MEMORY"
    | "MODEL_LOAD_FAILED"
    | "DOWNLOAD_FAILED"
    | "CHECKSUM_MISMATCH"
    | "ENGINE_DISPOSED"
    | "ENGINE_CRASHED"
    | "MODEL_BROKEN"
    | "BUILD_FAILED";

/** An error whose message is written for the user: one line, naming the file and the problem. */
export class SpeculaError extends Error {
    public readonly code: SpeculaErrorCode;

    public constructor(code: SpeculaErrorCode, message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = "SpeculaError";
        this.code = code;
    }
}

export function isSpeculaError(value: unknown): value is SpeculaError {
    return value instanceof SpeculaError;
}

/**
 * A file name or other user-supplied text inside a one-line message: quoted, with control
 * characters (a newline in a path) escaped so the message stays one line.
 */
export function quoted(text: string): string {
    return JSON.stringify(text);
}

/** Characters longer than this of a name taken from a file are cut off in messages. */
const maxQuotedChars = 64;

/**
 * A name or other text read from a model file, inside a message: quoted, cut to 64 characters,
 * and with every character a terminal could act on or hide escaped (JSON's control characters,
 * and also DEL, the C1 controls, bidirectional and zero-width marks), so that a hostile or
 * damaged file cannot put megabytes, a line break or a terminal escape into an error line.
 */
export function quotedFromFile(text: string): string {
    const shown = text.length > maxQuotedChars ? `${text.slice(0, maxQuotedChars)}…` : text;
    return JSON.stringify(shown).replace(/[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
        (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
