/** A piece of another file offered to the model as extra context. */
export interface ContextSnippet {
    /** Workspace-relative path, shown to the model in a `path:` header line. */
    readonly path: string;
    readonly text: string;
}

/** Why a request ended without a suggestion; lets the status bar and logs say what happened. */
export type EmptyReason =
    /** The model produced nothing (or only a stop token). */
    | "noOutput"
    /** The model produced text, but cleaning removed all of it (duplicates, scope end, ...). */
    | "cleanedAway";
