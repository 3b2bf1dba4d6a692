// What an editor shows for a predicted edit (issue 22, item 1), without `vscode`: an insertion at
// the cursor is ghost text; any other edit replaces a range the user accepts or dismisses. The
// prediction waits per document until it is shown, accepted, or no longer applies.
import type { NextEditPrediction, NextEditSession } from "./NextEditSession";
import type { TextEdit } from "./nextEditOutput";

export type NextEditOffer =
    /** Text to insert at the cursor: ordinary ghost text. */
    | { readonly kind: "insertAtCursor"; readonly text: string }
    /** UTF-16 offsets [start, end) of the document as it is now become `text`. */
    | { readonly kind: "replace"; readonly start: number; readonly end: number; readonly text: string };

/** How an edit is shown with the cursor at `cursorOffset`. */
export function offerOf(edit: TextEdit, cursorOffset: number): NextEditOffer {
    if (edit.start === edit.end && edit.start === cursorOffset)
        return { kind: "insertAtCursor", text: edit.text };
    return { kind: "replace", start: edit.start, end: edit.end, text: edit.text };
}

/**
 * The latest prediction of each document. `offer` rebases it on the document as it is now (the
 * session's rules: edits outside the window move with it, typing the start of the edit's text keeps
 * the rest, anything else makes it stale) and forgets it when there is nothing to offer.
 */
export class PendingNextEdits {
    private readonly pending = new Map<string, NextEditPrediction>();

    public constructor(private readonly session: Pick<NextEditSession, "current">) {}

    public set(document: string, prediction: NextEditPrediction): void {
        this.pending.set(document, prediction);
    }

    public has(document: string): boolean {
        return this.pending.has(document);
    }

    public offer(document: string, text: string, cursorOffset: number): NextEditOffer | undefined {
        const prediction = this.pending.get(document);
        if (prediction == null)
            return undefined;
        const outcome = this.session.current(prediction, text);
        if (outcome.kind !== "edit") {
            this.pending.delete(document);
            return undefined;
        }
        return offerOf(outcome.edit, cursorOffset);
    }

    public forget(document: string): void {
        this.pending.delete(document);
    }

    public clear(): void {
        this.pending.clear();
    }
}
