// A scripted CompletionBackend for pipeline tests: answers each prompt with the text `respond`
// gives, streamed in pieces `chunkChars` long, one every `chunkMs`; honours aborts; records requests.
import type { RequestStats } from "../../src/common/CompletionTypes";
import type { BackendOutcome, BackendRequest, CompletionBackend } from "../../src/completion/CompletionBackend";

export interface FakeBackendOptions {
    respond(request: BackendRequest): string;
    chunkChars?: number;
    chunkMs?: number;
    /** Delay before the first piece (prompt processing). */
    promptMs?: number;
    /** Time an aborted request takes to answer (a real engine finishes its current eval first). */
    stopMs?: number;
    /**
     * An abort that comes while the last piece is on its way does not stop the request: it ends
     * normally, as the engine's does when the abort lands in its last round (it checks between rounds).
     */
    lastPieceIgnoresAbort?: boolean;
    /** Called for each request before it runs; return "crash" to end it as a crash after the first piece. */
    onRequest?(request: BackendRequest): "crash" | void;
}

export interface RecordedRequest {
    readonly request: BackendRequest;
    aborted: boolean;
    finished: boolean;
}

export class FakeBackend implements CompletionBackend {
    public readonly requests: RecordedRequest[] = [];

    public constructor(private readonly options: FakeBackendOptions) {}

    /** Requests that generate (not prefill-only warm-ups). */
    public get generating(): RecordedRequest[] {
        return this.requests.filter((entry) => entry.request.prefillOnly !== true);
    }

    public async complete(request: BackendRequest, signal: AbortSignal, onText?: (delta: string) => void): Promise<BackendOutcome> {
        const record: RecordedRequest = { request, aborted: false, finished: false };
        this.requests.push(record);
        const started = Date.now();
        const crash = this.options.onRequest?.(request) === "crash";
        const chunkChars = this.options.chunkChars ?? 4;
        const chunkMs = this.options.chunkMs ?? 2;
        if (!(await sleep(this.options.promptMs ?? 1, signal)))
            return this.end(record, "", "aborted", started, request);
        if (request.prefillOnly === true)
            return this.end(record, "", "maxTokens", started, request);
        let full = this.options.respond(request);
        // The engine stops at maxLines line breaks and returns the text before the last one.
        const maxLines = request.maxLines ?? Infinity;
        let lines = 0;
        let cut = full.length;
        for (let index = 0; index < full.length; index++)
            if (full[index] === "\n" && ++lines >= maxLines) {
                cut = index;
                break;
            }
        const streamed = cut < full.length ? full.slice(0, cut + 1) : full;
        full = full.slice(0, cut);
        let sent = 0;
        while (sent < streamed.length) {
            const piece = streamed.slice(sent, sent + chunkChars);
            sent += piece.length;
            onText?.(piece);
            if (crash)
                return this.finishCrash(record);
            if (sent >= streamed.length && this.options.lastPieceIgnoresAbort === true) {
                await new Promise((resolve) => setTimeout(resolve, chunkMs));
                break;
            }
            if (!(await sleep(chunkMs, signal))) {
                await new Promise((resolve) => setTimeout(resolve, this.options.stopMs ?? 0));
                return this.end(record, streamed.slice(0, sent), "aborted", started, request);
            }
        }
        return this.end(record, full, cut < streamed.length ? "maxLines" : "eos", started, request);
    }

    private finishCrash(record: RecordedRequest): BackendOutcome {
        record.finished = true;
        return { kind: "crashed" };
    }

    private end(record: RecordedRequest, text: string, stopReason: "eos" | "maxLines" | "maxTokens" | "aborted", started: number, request: BackendRequest): BackendOutcome {
        record.finished = true;
        record.aborted = stopReason === "aborted";
        const stats: RequestStats = {
            draftedTokens: text.length, acceptedTokens: Math.floor(text.length / 2), targetEvals: Math.ceil(text.length / 3),
            generatedTokens: text.length, acceptanceRate: 0.5, tokensPerTargetEval: 3,
            promptTokens: request.prefix.length + request.suffix.length, reusedPromptTokens: 0,
            promptMs: this.options.promptMs ?? 1, draftMs: 0, targetMs: 0, totalMs: Date.now() - started
        };
        return { kind: "result", result: { text, stopReason, speculative: true, stats } };
    }
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted)
        return Promise.resolve(false);
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            signal.removeEventListener("abort", onAbort);
            resolve(true);
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            resolve(false);
        };
        signal.addEventListener("abort", onAbort, { once: true });
    });
}
