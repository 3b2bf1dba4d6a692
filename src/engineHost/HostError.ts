import type { HostErrorCode } from "./protocol";

/** An error the host reports to the extension with a code it can act on. */
export class HostError extends Error {
    public constructor(public readonly code: HostErrorCode, message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = "HostError";
    }
}
