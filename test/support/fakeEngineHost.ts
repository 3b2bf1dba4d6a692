// An engine host process with a fake engine, for testing the client and the protocol without models.
// Real model-file handling (resolve, download, sha256) still runs, through node-llama-cpp.
// With streaming on, text is sent in two pieces (a slow generation sends " part" at once).
// Prompts steer the fake: a prefix containing "CRASH" aborts the process mid-generation, "SLOW"
// generates until cancelled; a target path containing "crash-on-load" aborts while loading.
import type { CompletionRequest, CompletionResult, CumulativeStats, RequestStats } from "../../src/common/CompletionTypes";
import type { EngineInfo, EngineOptions } from "../../src/common/EngineOptions";
import { SpeculaError } from "../../src/engine/SpeculaError";
import { installProcessGuards, serveEngineHost, type HostedEngine } from "../../src/engineHost/EngineHostServer";
import { createHostConnection } from "../../src/engineHost/hostConnection";

class FakeEngine implements HostedEngine {
    public speculative: boolean;
    private readonly totals: CumulativeStats = {
        requests: 0, draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, generatedTokens: 0,
        acceptanceRate: 0, tokensPerTargetEval: 0, draftMs: 0, targetMs: 0, totalMs: 0
    };

    public constructor(public readonly info: EngineInfo, options: EngineOptions) {
        this.speculative = options.speculative ?? true;
    }

    public async complete(request: CompletionRequest): Promise<CompletionResult> {
        const started = Date.now();
        const speculative = (request.speculative ?? this.speculative) && this.info.speculationAvailable;
        if (request.prefix.includes("CRASH"))
            setTimeout(() => process.abort(), 20);
        let text = ` /* completion ${request.prefix.length}:${request.suffix?.length ?? 0} */`;
        let stopReason: CompletionResult["stopReason"] = "eos";
        if (request.prefix.includes("SLOW") || request.prefix.includes("CRASH")) {
            // Streams what a slow generation has so far, then waits to be cancelled (or killed).
            request.onText?.(" part");
            await new Promise<void>((resolve) => {
                if (request.signal?.aborted) return resolve();
                request.signal?.addEventListener("abort", () => resolve(), { once: true });
            });
            text = " partial";
            request.onText?.("ial");
        } else if (request.onText != null) {
            // Two pieces, as two decoding rounds would send them.
            const half = Math.floor(text.length / 2);
            request.onText(text.slice(0, half));
            await new Promise((resolve) => setTimeout(resolve, 5));
            request.onText(text.slice(half));
        }
        if (request.signal?.aborted)
            stopReason = "aborted";
        const generated = text.length;
        const stats: RequestStats = {
            draftedTokens: speculative ? generated : 0, acceptedTokens: speculative ? Math.floor(generated * 0.75) : 0,
            targetEvals: speculative ? Math.ceil(generated / 3) : generated, generatedTokens: generated,
            acceptanceRate: speculative ? 0.75 : 0, tokensPerTargetEval: speculative ? 3 : 1,
            promptTokens: request.prefix.length, reusedPromptTokens: 0, promptMs: 1, draftMs: speculative ? 1 : 0,
            targetMs: 2, totalMs: Date.now() - started
        };
        this.totals.requests++;
        this.totals.draftedTokens += stats.draftedTokens;
        this.totals.acceptedTokens += stats.acceptedTokens;
        this.totals.targetEvals += stats.targetEvals;
        this.totals.generatedTokens += stats.generatedTokens;
        this.totals.acceptanceRate = this.totals.draftedTokens === 0 ? 0 : this.totals.acceptedTokens / this.totals.draftedTokens;
        this.totals.tokensPerTargetEval = this.totals.targetEvals === 0 ? 0 : this.totals.generatedTokens / this.totals.targetEvals;
        return { text, tokens: [], stopReason, speculative, stats };
    }

    public setDecodingOptions(options: { speculative?: boolean }): void {
        if (options.speculative != null)
            this.speculative = options.speculative;
    }

    public get cumulativeStats(): CumulativeStats {
        return { ...this.totals };
    }

    public async dispose(): Promise<void> {}
}

const connection = createHostConnection();
serveEngineHost(connection, {
    async loadEngine(options) {
        if (options.targetPath.includes("crash-on-load"))
            process.abort();
        if (options.targetPath.includes("missing"))
            throw new SpeculaError("FILE_NOT_FOUND", `The target model file "${options.targetPath}" does not exist.`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        const info: EngineInfo = {
            targetPath: options.targetPath, draftPath: options.draftPath,
            speculationAvailable: options.draftPath != null && !options.draftPath.includes("incompatible"),
            ...(options.draftPath?.includes("incompatible") ? { speculationUnavailableReason: "The draft's vocabulary differs from the target's." } : {}),
            fim: true, gpu: false, binary: "prebuilt", contextSize: options.contextSize ?? 4096, targetName: "fake target",
            ...(options.draftPath != null ? { draftName: "fake draft" } : {})
        };
        return new FakeEngine(info, options);
    },
    async fixtures(directory, name) {
        return ({ smallTarget: `${directory}/fake-target.gguf`, smallDraft: `${directory}/fake-draft.gguf` } as Record<string, string>)[name];
    },
    exit: () => process.exit(0)
});
installProcessGuards(connection);
connection.listen();
