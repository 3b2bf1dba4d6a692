import type { PipelineOutcome } from "./CompletionPipeline";

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
    | "cleanedAway"
    /** Nothing was asked: completions are off for this document or the engine is not ready. */
    | "skipped";

/**
 * What the inline completion provider got for one request: the pipeline's outcome, or `skipped`
 * when it did not ask (completions off for this document, engine not ready, suggest widget open).
 * A discriminated union keeps the provider a thin switch; an abort is `canceled`, never an `error`,
 * so typing never pops up errors.
 */
export type CompletionOutcome = PipelineOutcome | { readonly kind: "empty"; readonly reason: "skipped" };
