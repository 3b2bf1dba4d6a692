import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as net from "node:net";

/**
 * The ways llama.cpp's own `llama-server` can decode: the target alone, with a draft model
 * (`-md`, `--spec-type draft-simple`), with its cross-request n-gram pool (`--spec-type ngram-mod`),
 * or both. Each is a separate server process, because the speculative types are server-wide.
 */
export type NativeMode = "plain" | "draft" | "ngram" | "draft+ngram";

export const nativeModes: readonly NativeMode[] = ["plain", "draft", "ngram", "draft+ngram"];

export interface LlamaServerOptions {
    /** Path of the `llama-server` binary. */
    readonly binary: string;
    readonly targetPath: string;
    /** Needed by the "draft" and "draft+ngram" modes. */
    readonly draftPath?: string;
    readonly mode: NativeMode;
    readonly contextSize: number;
    readonly threads: number;
    /** More flags, appended last (e.g. `--spec-draft-n-max 8`). */
    readonly extraArgs?: readonly string[];
    /** How long loading may take before start() gives up. Defaults to 120 000 ms. */
    readonly startTimeoutMs?: number;
}

/** One decode on the server, in the bench's terms. */
export interface NativeRunResult {
    /** Generated tokens, an end-of-generation token excluded (as Specula's output excludes it). */
    readonly tokens: number[];
    /**
     * Decoding time: the server's `predicted_ms` plus its eval of the prompt's last token (the only
     * prompt token left after a priming request), which is what Specula's decode time also includes.
     */
    readonly decodeMs: number;
    /** The server's prompt processing for the priming request (all but the last prompt token). */
    readonly promptMs: number;
    /** Prompt tokens the measured request evaluated (1 when the priming request's cache was reused). */
    readonly promptEvaluated: number;
    /** Drafted and accepted tokens, when the server reports them (`timings.draft_n`). */
    readonly draftedTokens: number;
    readonly acceptedTokens: number;
    readonly stopType: string;
}

/** What `/completion` answered, the fields the bench uses. */
export interface CompletionAnswer {
    readonly tokens: number[];
    readonly stopType: string;
    readonly promptN: number;
    readonly promptMs: number;
    readonly predictedN: number;
    readonly predictedMs: number;
    readonly draftN: number;
    readonly draftAccepted: number;
}

/** Command-line arguments for one server: localhost only, one slot, no web UI, the bench's threads and context, flash attention off as Specula uses it on the CPU. */
export function llamaServerArgs(options: Omit<LlamaServerOptions, "binary">, port: number): string[] {
    const args = [
        "--model", options.targetPath,
        "--host", "127.0.0.1", "--port", String(port),
        "--ctx-size", String(options.contextSize),
        "--threads", String(options.threads), "--threads-batch", String(options.threads),
        "--parallel", "1",
        "--batch-size", "512",
        "--flash-attn", "off",
        "--n-gpu-layers", "0",
        "--no-webui"
    ];
    const withDraft = options.mode === "draft" || options.mode === "draft+ngram";
    if (withDraft) {
        if (options.draftPath == null)
            throw new Error(`llama-server mode "${options.mode}" needs a draft model`);
        args.push("--model-draft", options.draftPath, "--threads-draft", String(options.threads), "--threads-batch-draft", String(options.threads), "--gpu-layers-draft", "0");
    }
    const types = [...(withDraft ? ["draft-simple"] : []), ...(options.mode === "ngram" || options.mode === "draft+ngram" ? ["ngram-mod"] : [])];
    if (types.length > 0)
        args.push("--spec-type", types.join(","));
    args.push(...(options.extraArgs ?? []));
    return args;
}

/**
 * A `/completion` request for exactly these prompt tokens (the server takes token ids as they are),
 * greedy: only the top-k sampler with k = 1, so penalties and temperature play no part.
 */
export function completionRequestBody(prompt: readonly number[], maxTokens: number): Record<string, unknown> {
    return {
        prompt: [...prompt],
        n_predict: maxTokens,
        samplers: ["top_k"],
        top_k: 1,
        temperature: 0,
        cache_prompt: true,
        return_tokens: true,
        stream: false
    };
}

/** Reads the fields the bench needs from a `/completion` answer; anything missing is one clear error. */
export function parseCompletionAnswer(body: unknown): CompletionAnswer {
    const answer = body as { tokens?: unknown; stop_type?: unknown; timings?: Record<string, unknown> } | null;
    if (answer == null || typeof answer !== "object")
        throw new Error("llama-server answered /completion with something that is not a JSON object");
    if (!Array.isArray(answer.tokens) || !answer.tokens.every((token) => Number.isInteger(token)))
        throw new Error("llama-server's /completion answer has no \"tokens\" array (is return_tokens supported by this build?)");
    const timings = answer.timings;
    if (timings == null || typeof timings !== "object")
        throw new Error("llama-server's /completion answer has no \"timings\"");
    const numberAt = (key: string, required: boolean): number => {
        const value = timings[key];
        if (typeof value === "number" && Number.isFinite(value))
            return value;
        if (required)
            throw new Error(`llama-server's /completion timings have no number "${key}"`);
        return 0;
    };
    return {
        tokens: answer.tokens as number[],
        stopType: typeof answer.stop_type === "string" ? answer.stop_type : "unknown",
        promptN: numberAt("prompt_n", true),
        promptMs: numberAt("prompt_ms", true),
        predictedN: numberAt("predicted_n", true),
        predictedMs: numberAt("predicted_ms", true),
        draftN: numberAt("draft_n", false),
        draftAccepted: numberAt("draft_n_accepted", false)
    };
}

/**
 * The measured request's answer in the bench's terms. The server returns the end-of-generation token
 * it stopped at among its tokens; Specula's output leaves it out, so it is dropped here.
 */
export function nativeRunResult(prime: CompletionAnswer, measured: CompletionAnswer): NativeRunResult {
    const tokens = measured.stopType === "eos" && measured.tokens.length > 0 ? measured.tokens.slice(0, -1) : measured.tokens;
    const lastPromptTokenMs = measured.promptN > 0 ? measured.promptMs / measured.promptN : 0;
    return {
        tokens,
        decodeMs: measured.predictedMs + lastPromptTokenMs,
        promptMs: prime.promptMs,
        promptEvaluated: measured.promptN,
        draftedTokens: measured.draftN,
        acceptedTokens: measured.draftAccepted,
        stopType: measured.stopType
    };
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the server binds it a moment later). */
export async function freePort(): Promise<number> {
    const server = net.createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as net.AddressInfo).port;
    server.close();
    await once(server, "close");
    return port;
}

const outputTailChars = 4000;

/**
 * llama.cpp's own server as a peer in the bench: started on a free localhost port, fed the same
 * prompt token ids as Specula, greedy. Each run first sends all but the last prompt token (so the
 * server's prompt cache holds them, as Specula's KV cache does before it decodes), then the whole
 * prompt with `n_predict` = the bench's token limit; decode time comes from the server's own
 * `timings`, never from the HTTP round trip.
 */
export class LlamaServerPeer {
    private output = "";

    private constructor(
        private readonly child: ChildProcess,
        public readonly baseUrl: string,
        public readonly args: readonly string[]
    ) {
        const keep = (chunk: Buffer) => {
            this.output = (this.output + chunk.toString("utf8")).slice(-outputTailChars);
        };
        child.stdout?.on("data", keep);
        child.stderr?.on("data", keep);
    }

    /** Starts the server and waits until `/health` says the model is loaded; on failure the server's last output is in the error. */
    public static async start(options: LlamaServerOptions): Promise<LlamaServerPeer> {
        const port = await freePort();
        const args = llamaServerArgs(options, port);
        const child = spawn(options.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
        const peer = new LlamaServerPeer(child, `http://127.0.0.1:${port}`, args);
        try {
            await peer.waitUntilHealthy(options.startTimeoutMs ?? 120_000);
            return peer;
        } catch (error) {
            await peer.dispose();
            throw error;
        }
    }

    /** The server's recent log lines, for error messages. */
    public get recentOutput(): string {
        return this.output;
    }

    public async run(prompt: readonly number[], maxTokens: number): Promise<NativeRunResult> {
        if (prompt.length === 0)
            throw new Error("llama-server peer: empty prompt");
        const prime = parseCompletionAnswer(await this.post("/completion", completionRequestBody(prompt.slice(0, -1), 0)));
        const measured = parseCompletionAnswer(await this.post("/completion", completionRequestBody(prompt, maxTokens)));
        return nativeRunResult(prime, measured);
    }

    /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
    public async dispose(): Promise<void> {
        const child = this.child;
        if (child.exitCode != null || child.signalCode != null)
            return;
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        try {
            await exited;
        } finally {
            clearTimeout(timer);
        }
    }

    private async post(route: string, body: unknown): Promise<unknown> {
        const response = await fetch(`${this.baseUrl}${route}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body)
        });
        const text = await response.text();
        if (!response.ok)
            throw new Error(`llama-server ${route} answered ${response.status}: ${text.slice(0, 300)}`);
        try {
            return JSON.parse(text);
        } catch {
            throw new Error(`llama-server ${route} answered with text that is not JSON: ${text.slice(0, 300)}`);
        }
    }

    private async waitUntilHealthy(timeoutMs: number): Promise<void> {
        const deadline = performance.now() + timeoutMs;
        let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => { exit = { code, signal }; };
        this.child.once("exit", onExit);
        let spawnError: Error | undefined;
        this.child.once("error", (error) => { spawnError = error; });
        try {
            while (true) {
                if (spawnError != null)
                    throw new Error(`could not start llama-server: ${spawnError.message}`);
                if (exit != null)
                    throw new Error(`llama-server exited (${exit.signal ?? `code ${exit.code}`}) before it was ready:\n${this.output.trim().split("\n").slice(-8).join("\n")}`);
                if (performance.now() > deadline)
                    throw new Error(`llama-server was not ready after ${Math.round(timeoutMs / 1000)} s:\n${this.output.trim().split("\n").slice(-8).join("\n")}`);
                try {
                    const response = await fetch(`${this.baseUrl}/health`);
                    const body = await response.json().catch(() => undefined) as { status?: unknown } | undefined;
                    if (response.ok && body?.status === "ok")
                        return;
                } catch {
                    // Not listening yet.
                }
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
        } finally {
            this.child.off("exit", onExit);
        }
    }
}
