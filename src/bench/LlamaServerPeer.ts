import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import * as net from "node:net";
import { expectOk, LlamaServerHttp } from "../llamaServer/LlamaServerHttp";
import { healthReady, parseTokenCompletion, tokenCompletionBody, type TokenCompletion } from "../llamaServer/llamaServerProtocol";

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
    /**
     * The server process's CPU time over the measured request (Linux; undefined elsewhere): on a busy
     * machine its wall times swing with other processes, its CPU time much less, and Specula's
     * variants are compared by CPU time too.
     */
    readonly cpuMs?: number;
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
 * The measured request's answer in the bench's terms. The server returns the end-of-generation token
 * it stopped at among its tokens; Specula's output leaves it out, so it is dropped here.
 */
export function nativeRunResult(prime: TokenCompletion, measured: TokenCompletion): NativeRunResult {
    const tokens = measured.stopType === "eos" && measured.tokens.length > 0 ? measured.tokens.slice(0, -1) : measured.tokens;
    const timings = measured.timings;
    const lastPromptTokenMs = timings.promptN > 0 ? timings.promptMs / timings.promptN : 0;
    return {
        tokens,
        decodeMs: timings.predictedMs + lastPromptTokenMs,
        promptMs: prime.timings.promptMs,
        promptEvaluated: timings.promptN,
        draftedTokens: timings.draftN ?? 0,
        acceptedTokens: timings.draftAccepted ?? 0,
        stopType: measured.stopType
    };
}

/**
 * CPU time a process has used so far, in ms, summed over its threads from Linux's scheduler
 * statistics (`/proc/PID/task/TID/schedstat`, nanoseconds on the CPU first); undefined where there is
 * no such file (another OS, a process that has exited).
 */
export function processCpuMs(pid: number | undefined, procRoot = "/proc"): number | undefined {
    if (pid == null)
        return undefined;
    try {
        let nanoseconds = 0;
        for (const task of readdirSync(`${procRoot}/${pid}/task`))
            try {
                nanoseconds += Number(readFileSync(`${procRoot}/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
            } catch {
                // A thread that ended between the listing and the read.
            }

        return Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : undefined;
    } catch {
        return undefined;
    }
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
 * The server answers /completion in one piece once it has decoded: it may send nothing for this
 * long, and take twice as long in all (the header and body timeouts of the `fetch` this replaced).
 */
const answerIdleMs = 300_000;
const answerDeadlineMs = 600_000;

/**
 * llama.cpp's own server as a peer in the bench: started on a free localhost port, fed the same
 * prompt token ids as Specula, greedy. Each run first sends all but the last prompt token (so the
 * server's prompt cache holds them, as Specula's KV cache does before it decodes), then the whole
 * prompt with `n_predict` = the bench's token limit; decode time comes from the server's own
 * `timings`, never from the HTTP round trip. Requests, `/health` and the answers go through the
 * extension's own client of llama-server (src/llamaServer); this class owns the process and the timing.
 */
export class LlamaServerPeer {
    public readonly baseUrl: string;
    private output = "";
    private readonly http: LlamaServerHttp;
    private readonly lifetime = new AbortController();

    private constructor(
        private readonly child: ChildProcess,
        port: number,
        public readonly args: readonly string[]
    ) {
        this.baseUrl = `http://127.0.0.1:${port}`;
        this.http = new LlamaServerHttp({ base: new URL(`${this.baseUrl}/`), display: `127.0.0.1:${port}`, timeoutMs: answerIdleMs, deadlineMs: answerDeadlineMs });
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
        const peer = new LlamaServerPeer(child, port, args);
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
        const prime = await this.complete(prompt.slice(0, -1), 0);
        const cpuBefore = processCpuMs(this.child.pid);
        const measured = await this.complete(prompt, maxTokens);
        const cpuAfter = processCpuMs(this.child.pid);
        const result = nativeRunResult(prime, measured);
        return cpuBefore != null && cpuAfter != null ? { ...result, cpuMs: cpuAfter - cpuBefore } : result;
    }

    /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
    public async dispose(): Promise<void> {
        this.lifetime.abort(new Error("llama-server peer disposed"));
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

    private async complete(prompt: readonly number[], maxTokens: number): Promise<TokenCompletion> {
        return parseTokenCompletion(expectOk(await this.http.json("completion", tokenCompletionBody(prompt, maxTokens), this.lifetime.signal), "completion"));
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
                    if (healthReady(await this.http.json("health", undefined, this.lifetime.signal)))
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
