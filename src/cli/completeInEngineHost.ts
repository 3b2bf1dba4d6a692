// `specula complete` runs the model pair in the extension's engine host process, not in the CLI's
// own: llama.cpp aborts the whole process on some malformed files that no list of checks will
// ever fully cover. The CLI turns the host's death into one line that names the file, and keeps
// llama.cpp's own log lines (which the host writes to its stderr) off the user's terminal.
import * as path from "node:path";
import type { CompletionRequest, CompletionResult } from "../common/CompletionTypes";
import type { EngineInfo } from "../common/EngineOptions";
import { quoted, SpeculaError, type SpeculaErrorCode } from "../engine/SpeculaError";
import { EngineClient, EngineClientError, type CrashInfo } from "../engineHost/EngineClient";
import type { HostEngineOptions, LoadParams } from "../engineHost/protocol";

export interface HostedCompletionJob {
    readonly targetPath: string;
    readonly draftPath?: string;
    readonly options: HostEngineOptions;
    readonly request: Omit<CompletionRequest, "signal">;
    /** Checks the loaded pair before the request runs (e.g. that maxTokens fits its context). */
    readonly beforeComplete?: (info: EngineInfo) => void;
}

export interface HostedCompletion {
    readonly info: EngineInfo;
    readonly result: CompletionResult;
}

/** The engine host bundle next to the CLI bundle (dist/engineHost.js). */
export const defaultHostScript = path.join(__dirname, "engineHost.js");

/**
 * Loads the pair in a fresh engine host and completes once. When the host dies and the pair has a
 * draft, the same job is run once more with the target alone to tell which file killed it.
 */
export async function completeInEngineHost(job: HostedCompletionJob, hostScript = defaultHostScript): Promise<HostedCompletion> {
    const attempt = await attemptInHost(job, hostScript);
    if (attempt.kind === "done")
        return attempt.value;
    if (attempt.kind === "error")
        throw attempt.error;
    let culprit: { path: string; role: string } = { path: job.targetPath, role: "target model" };
    if (job.draftPath != null) {
        const alone = await attemptInHost({ ...job, draftPath: undefined, options: { ...job.options, speculative: false } }, hostScript);
        if (alone.kind !== "crashed")
            culprit = { path: job.draftPath, role: "draft model" };
    }
    throw new SpeculaError("ENGINE_CRASHED", crashLine(attempt.crash, culprit, attempt.detail));
}

type Attempt =
    | { readonly kind: "done"; readonly value: HostedCompletion }
    | { readonly kind: "error"; readonly error: SpeculaError }
    | { readonly kind: "crashed"; readonly crash: CrashInfo; readonly detail?: string };

async function attemptInHost(job: HostedCompletionJob, hostScript: string): Promise<Attempt> {
    let crash: CrashInfo | undefined;
    // llama.cpp logs to the host's stderr; keep its last words for the message, off the terminal.
    let loadFailure: string | undefined;
    let assertion: string | undefined;
    const client = new EngineClient({
        hostScript,
        maxConsecutiveCrashes: 0,
        log: (_level, message) => {
            loadFailure = /error loading model: (.+)$/.exec(message)?.[1] ?? loadFailure;
            assertion = /(GGML_ASSERT\(.+\) failed|GGML_ABORT.*|terminate called .+|what\(\): .+)$/.exec(message)?.[1] ?? assertion;
        }
    });
    client.onDidCrash((info) => { crash = info; });
    let failure: unknown;
    try {
        const params: LoadParams = {
            target: { uri: path.resolve(job.targetPath) },
            ...(job.draftPath != null ? { draft: { uri: path.resolve(job.draftPath) } } : {}),
            modelDirectory: "",
            fixtureDirectory: "",
            options: job.options
        };
        const loaded = await client.load(params);
        job.beforeComplete?.(loaded.info);
        const outcome = await client.complete(job.request);
        if (outcome.kind === "result")
            return { kind: "done", value: { info: loaded.info, result: outcome.result } };
        if (outcome.kind === "error")
            failure = outcome.error;
    } catch (error) {
        if (!(error instanceof EngineClientError) || error.code !== "ENGINE_CRASHED")
            failure = error;
    } finally {
        // Also lets the host's last stderr lines arrive before the message is written.
        await client.dispose();
    }
    if (failure != null)
        return { kind: "error", error: toSpeculaError(failure, loadFailure) };
    return {
        kind: "crashed",
        crash: crash ?? { exitCode: null, signal: null, phase: "idle", message: "The engine process stopped." },
        ...(assertion != null ? { detail: assertion } : {})
    };
}

function toSpeculaError(error: unknown, loadFailure: string | undefined): SpeculaError {
    if (error instanceof SpeculaError)
        return error;
    if (error instanceof EngineClientError) {
        // Host codes that are not the engine's (URL_NOT_ALLOWED, INTERNAL, …) are still one line for the user.
        const code = (error.code === "INTERNAL" || error.code === "CANCELLED" || error.code === "NOT_DOWNLOADED" || error.code === "URL_NOT_ALLOWED" || error.code === "OFFLINE"
            ? "MODEL_LOAD_FAILED" : error.code) as SpeculaErrorCode;
        const message = error.message.split("\n")[0] ?? error.message;
        return new SpeculaError(code, code === "MODEL_LOAD_FAILED" && loadFailure != null ? `${message.replace(/\.$/, "")} (llama.cpp: ${loadFailure.replace(/\s+/g, " ").trim().slice(0, 300)}).` : message);
    }
    throw error;
}

function crashLine(crash: CrashInfo, culprit: { path: string; role: string }, detail: string | undefined): string {
    const how = crash.signal != null ? `was killed by ${crash.signal}` : `exited with code ${crash.exitCode ?? "?"}`;
    const doing = crash.phase === "load" ? "loading" : "generating with";
    return `llama.cpp ${how} while ${doing} the ${culprit.role} file ${quoted(culprit.path)}: the file is corrupt or not supported${detail != null ? ` (${detail.slice(0, 200)})` : ""}.`;
}
