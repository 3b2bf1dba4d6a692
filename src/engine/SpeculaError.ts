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
