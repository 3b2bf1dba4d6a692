import type { BackendOutcome, BackendRequest, CompletionBackend } from "./CompletionBackend";
import type { DocumentView } from "./DocumentView";
import { firstLineIsSettled, type SuggestionContext } from "./SuggestionText";

/** Why a generation was started: a request the user waits on, or a guess at the next one. */
export type GenerationPurpose = "request" | "prefetch";

/**
 * One streaming completion from the backend, owned by the pipeline rather than by the editor
 * request that started it: a keystroke that types along with it, or an accept of its first line,
 * keeps it running and is served from it; only a request it cannot serve aborts it.
 */
export class Generation {
    /** Everything streamed so far (provisional until `outcome`). */
    public raw = "";
    public outcome: BackendOutcome | undefined;
    public readonly startedAt: number;
    /** When the first text arrived, and when the backend answered, for the latency split. */
    public firstTextAt: number | undefined;
    public endedAt: number | undefined;
    private readonly abortController = new AbortController();
    /** The raw first line, once the cleaner has decided it is the whole suggestion (see settle). */
    private settledRaw: string | undefined;
    private waiters: Array<() => void> = [];
    /** Settles with the outcome; never rejects. */
    public readonly finished: Promise<BackendOutcome>;

    public constructor(
        public readonly id: number,
        public readonly purpose: GenerationPurpose,
        /** The document as the request saw it (a bounded copy), and where the completion goes. */
        public readonly document: DocumentView,
        public readonly offset: number,
        public readonly context: SuggestionContext,
        public readonly request: BackendRequest,
        backend: CompletionBackend,
        now: () => number
    ) {
        this.startedAt = now();
        this.finished = backend.complete(request, this.abortController.signal, (delta) => {
            if (this.settledRaw != null)
                return;
            this.firstTextAt ??= now();
            this.raw += delta;
            // A first line the cleaner has already decided (cut for repetition or length) is the whole
            // suggestion: stop decoding, free the backend, and serve it as finished.
            if (firstLineIsSettled(this.raw, this.context))
                this.settle();
            this.notify();
        }).catch((error: unknown): BackendOutcome => ({
            kind: "error", error: { message: error instanceof Error ? error.message : String(error) }
        })).then((outcome) => {
            this.endedAt = now();
            this.outcome = outcome;
            if (outcome.kind === "result" && outcome.result.stopReason !== "aborted" && this.settledRaw == null)
                this.raw = outcome.result.text;
            this.notify();
            return outcome;
        });
    }

    public get done(): boolean {
        return this.outcome != null || this.settledRaw != null;
    }

    /** Stopped because nobody can use it (not because its suggestion was already decided). */
    public get aborted(): boolean {
        return this.abortController.signal.aborted && this.settledRaw == null;
    }

    /** The completed text, when the generation ended normally or its first line settled it. */
    public get finalText(): string | undefined {
        if (this.settledRaw != null)
            return this.settledRaw;
        const outcome = this.outcome;
        return outcome?.kind === "result" && outcome.result.stopReason !== "aborted" ? outcome.result.text : undefined;
    }

    /** Stops the backend request; whoever waits on this generation hears of it at once. */
    public abort(): void {
        this.abortController.abort();
        this.notify();
    }

    private settle(): void {
        this.settledRaw = this.raw;
        this.abortController.abort();
    }

    /** Resolves at the next piece of text or the end, whichever comes first. */
    public changed(): Promise<void> {
        if (this.done)
            return Promise.resolve();
        return new Promise((resolve) => this.waiters.push(resolve));
    }

    private notify(): void {
        const waiters = this.waiters;
        this.waiters = [];
        for (const resolve of waiters)
            resolve();
    }
}
