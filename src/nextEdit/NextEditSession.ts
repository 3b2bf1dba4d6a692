import type { StopReason } from "../common/CompletionTypes";
import { EditHistory } from "./EditHistory";
import { editFromOutput, rebaseEdit, type NextEditOutcome } from "./nextEditOutput";
import { buildNextEditPrompt, type NextEditPrompt } from "./nextEditPrompt";

/** What the session needs from an engine: one greedy request with a raw prompt and a text to copy. */
export interface NextEditBackend {
    complete(request: {
        readonly rawPrompt: string;
        readonly copyFrom: string;
        readonly maxTokens: number;
        readonly signal?: AbortSignal;
    }): Promise<{ readonly text: string; readonly stopReason: StopReason }>;
}

export interface NextEditSessionOptions {
    /** Most tokens the model may write; a window cut off before its end offers nothing. Defaults to 256. */
    readonly maxTokens?: number;
    /** Recent edits shown to the model. Defaults to 1 (what the fixture format was trained with). */
    readonly maxEdits?: number;
    readonly fileContextLines?: number;
    readonly windowLines?: number;
    readonly linesAboveCursor?: number;
}

export interface NextEditPrediction {
    readonly prompt: NextEditPrompt;
    readonly outcome: NextEditOutcome;
}

/**
 * The editor-free next-edit loop: documents report their changes, the session keeps the recent
 * edits, and after an edit it asks the model to rewrite the window around the cursor and turns the
 * answer into one edit (or the reason there is none). Nothing here writes to a document: the editor
 * shows the edit, checks it against the document with `current` when the user accepts, and applies
 * it only then.
 */
export class NextEditSession {
    private readonly history: EditHistory;

    public constructor(
        private readonly backend: NextEditBackend,
        private readonly options: NextEditSessionOptions = {}
    ) {
        this.history = new EditHistory(options.maxEdits ?? 1);
    }

    /** A document changed from `before` to `after` (whole texts). */
    public documentChanged(path: string, before: string, after: string): void {
        this.history.record(path, before, after);
    }

    /**
     * The edit the model predicts around `cursorLine` of the document `text`; undefined until the
     * user has edited something (a next edit follows an edit). Aborting `signal` rejects with its reason.
     */
    public async predict(path: string, text: string, cursorLine: number, signal?: AbortSignal): Promise<NextEditPrediction | undefined> {
        const edits = this.history.edits();
        if (edits.length === 0)
            return undefined;
        const original = this.history.originalOf(path, text);
        const prompt = buildNextEditPrompt({
            path, text, cursorLine, edits,
            ...(original != null ? { original } : {}),
            ...(this.options.fileContextLines != null ? { fileContextLines: this.options.fileContextLines } : {}),
            ...(this.options.windowLines != null ? { windowLines: this.options.windowLines } : {}),
            ...(this.options.linesAboveCursor != null ? { linesAboveCursor: this.options.linesAboveCursor } : {})
        });
        const result = await this.backend.complete({
            rawPrompt: prompt.prompt,
            copyFrom: prompt.currentBlock,
            maxTokens: this.options.maxTokens ?? 256,
            ...(signal != null ? { signal } : {})
        });
        signal?.throwIfAborted();
        return { prompt, outcome: editFromOutput(result.text, prompt, result.stopReason === "eos") };
    }

    /** The prediction's edit for the document as it is now, or why it no longer applies. */
    public current(prediction: NextEditPrediction, now: string): NextEditOutcome {
        return prediction.outcome.kind === "edit" ? rebaseEdit(prediction.outcome.edit, prediction.prompt, now) : prediction.outcome;
    }

    public clear(): void {
        this.history.clear();
    }
}
