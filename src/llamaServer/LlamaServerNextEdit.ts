// Next-edit requests to a llama.cpp server (`specula.backend` = llamaServer). No `vscode` import.
//
// The next-edit prompt (src/nextEdit/nextEditPrompt.ts) is sent as it is, a string, to /completion:
// llama-server tokenizes a string prompt with special tokens parsed (so `<|file_sep|>` is the
// Qwen2.5-Coder special token) and its BOS rule, as the local engine tokenizes a raw prompt. The
// answer is greedy (top-k 1) and streamed, and ends at the model's end of generation: llama.cpp
// counts Qwen2.5-Coder's `<|file_sep|>` among the end-of-generation tokens (llama-vocab.cpp, the
// FIM_SEP token), as it does `<|endoftext|>`. Both are also stop strings, which end the answer if
// the model spells one out in plain text: the stop string is then put back at the end of the
// output, so that the drop rules see the marker and offer nothing, as they do for the local
// engine, which writes such text out. llama-server speculates by itself when it was started with
// `--spec-type ngram-mod` (the prompt's current window is what the output copies) or with a draft
// model (`-md`); nothing in the request asks for it.
import type { StopReason } from "../common/CompletionTypes";
import type { NextEditBackend } from "../nextEdit/NextEditSession";
import { isRecord, LlamaServerHttp, serverEndpoint, ServerFailure } from "./LlamaServerHttp";
import { completionByteCeiling, parseStreamEvent, stopReasonOf } from "./llamaServerProtocol";
import { checkServerUrl, type ServerUrlSource } from "./serverUrl";

/** The texts that end a next-edit answer when written out in plain text (see above). */
export const nextEditStopWords: readonly string[] = ["<|file_sep|>", "<|endoftext|>"];

export interface LlamaServerNextEditOptions {
    /** The server's address (specula.nextEdit.serverUrl, else specula.serverUrl). */
    readonly url: string;
    readonly urlSource: ServerUrlSource;
    readonly apiKey?: string;
    /** A request fails when the server sends nothing for this long. */
    readonly timeoutMs: number;
    /** Longest a request may take in all: `baseMs`, plus `perTokenMs` per token asked for. Defaults to 2 × timeoutMs and 1 s. */
    readonly deadline?: { readonly baseMs: number; readonly perTokenMs: number };
}

/** The /completion request of a next edit: the prompt as text, greedy, streamed, with the server's prompt cache. */
export function nextEditCompletionBody(prompt: string, maxTokens: number): Record<string, unknown> {
    return {
        prompt,
        n_predict: maxTokens,
        stream: true,
        cache_prompt: true,
        temperature: 0,
        samplers: ["top_k"],
        top_k: 1,
        stop: [...nextEditStopWords]
    };
}

type NextEditRequest = Parameters<NextEditBackend["complete"]>[0];

export class LlamaServerNextEdit implements NextEditBackend {
    /** host:port, for messages. */
    public readonly display: string;
    private readonly http: LlamaServerHttp | undefined;
    private readonly problem: string | undefined;
    private readonly deadline: { readonly baseMs: number; readonly perTokenMs: number };

    public constructor(options: LlamaServerNextEditOptions) {
        this.deadline = options.deadline ?? { baseMs: 2 * options.timeoutMs, perTokenMs: 1000 };
        const check = checkServerUrl(options.url, options.urlSource);
        if (!check.ok) {
            this.display = options.url.trim();
            this.problem = check.problem;
            return;
        }
        this.display = check.display;
        this.http = new LlamaServerHttp(serverEndpoint(check, options, this.deadline.baseMs));
    }

    /**
     * The model's updated window for `request.rawPrompt`. A server that cannot be used rejects with
     * one line saying why; aborting `request.signal` rejects with its reason.
     */
    public async complete(request: NextEditRequest): Promise<{ readonly text: string; readonly stopReason: StopReason }> {
        const signal = request.signal ?? new AbortController().signal;
        signal.throwIfAborted();
        if (this.http == null)
            throw new Error(this.problem ?? "the server address is not usable");
        let text = "";
        let stopReason: StopReason | undefined;
        try {
            await this.http.stream("completion", nextEditCompletionBody(request.rawPrompt, request.maxTokens), signal, {
                // The prompt has at most as many tokens as characters.
                maxBytes: completionByteCeiling(request.rawPrompt.length, request.maxTokens),
                deadlineMs: this.deadline.baseMs + request.maxTokens * this.deadline.perTokenMs
            }, (raw) => {
                const event = parseStreamEvent(raw);
                if (event.content.includes("\u0000"))
                    throw new ServerFailure("malformed", "the server's model wrote NUL characters (broken weights?)");
                text += event.content;
                if (!event.stop)
                    return true;
                stopReason = stopReasonOf(event.stopType);
                const word = isRecord(raw) && typeof raw.stopping_word === "string" ? raw.stopping_word : "";
                if (event.stopType === "word")
                    text += word;
                return false;
            });
        } catch (error) {
            if (signal.aborted)
                throw signal.reason;
            throw new Error(`llama-server at ${this.display}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        if (stopReason == null)
            throw new Error(`llama-server at ${this.display} closed the answer before its end (it stopped or crashed)`);
        return { text, stopReason };
    }
}
