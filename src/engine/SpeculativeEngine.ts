import { buildPrompt, type BuiltPrompt, type FimLayout, type PromptTokenizer } from "./buildPrompt";
import { addDecodingCounts, type CompletionRequest, type CompletionResult, type CumulativeStats, type RequestStats, type StopReason } from "../common/CompletionTypes";
import { DraftLengthController, type RoundContext } from "./DraftLengthController";
import { decodingOptions as decodingOptionTable, withDecodingDefaults, type EngineDecodingOptions } from "../common/decodingOptions";
import type { DrafterKind, EngineInfo, EngineOptions } from "../common/EngineOptions";
import { costClockFor, type CostClock } from "./costClock";
import { generationBudget } from "./generationBudget";
import type { ControlledEvaluateInputItem, Token } from "./llamaTypes";
import { loadModelPair } from "./loadModelPair";
import { EVAL_TARGET_MS, type ModelRunner } from "./ModelRunner";
import { checkCompletionText } from "./modelFile/checkModelHealth";
import { CopyDrafter } from "./drafters/CopyDrafter";
import { noProposal, spentDrafting, truncateProposal, type Drafter, type Proposal } from "./drafters/Drafter";
import { HybridDrafter } from "./drafters/HybridDrafter";
import { LookupDrafter } from "./drafters/LookupDrafter";
import { ModelDrafter } from "./drafters/ModelDrafter";
import { TokenPool } from "./drafters/TokenPool";
import { acceptOrResample, SeededRandom, sampleFrom } from "./speculativeSampling";
import { SpeculaError } from "./SpeculaError";

/** Decoding settings that can change between requests without reloading models. */
export type DecodingOptions = EngineDecodingOptions;

/**
 * Sampling keeps the same top-k for target-alone and speculative decoding, so both draw from one
 * and the same target law; a full-vocabulary probability map per position would cost more than the
 * eval itself on 150 k-token vocabularies.
 */
const samplingTopK = 40;

/**
 * Speculative decoding on node-llama-cpp: the draft proposes up to K tokens, the target checks them
 * in one `controlledEvaluate` batch, the longest agreeing prefix is kept and the first disagreement
 * is replaced by the target's own token. With greedy decoding the output is token-for-token what
 * the target alone writes.
 *
 * Invariant between rounds: the target's KV cache holds every committed token except the last one
 * (the "pending" token), which is evaluated at the head of the next verification batch so that its
 * prediction and the draft's checks share one eval.
 */
export class SpeculativeEngine {
    private decoding: DecodingOptions;
    private controller: DraftLengthController;
    /**
     * One controller per (draftMax, adaptive, drafter, lookupPool): switching settings back keeps what was
     * learned about costs and acceptance, and one drafter's acceptance never steers another's lengths.
     */
    private readonly controllers = new Map<string, DraftLengthController>();
    private queue: Promise<unknown> = Promise.resolve();
    private readonly disposal = new AbortController();
    private disposed = false;
    private readonly totals: CumulativeStats = emptyCumulativeStats();
    private readonly newlineCount = new Map<Token, number>();
    private readonly targetVocabularySize: number;
    private readonly fimLayout: FimLayout;
    /** What earlier requests saw and wrote, for lookup drafting (when `lookupPool` is on). */
    private pool = new TokenPool();
    private readonly drafters: Partial<Record<DrafterKind, Drafter>>;
    /** Whether a copy may propose a token: not one the target's vocabulary lacks, and nothing after an end token. */
    private readonly isUsable: (token: Token) => "yes" | "last" | "no";
    private readonly costClock: CostClock;

    private constructor(
        public readonly info: EngineInfo,
        private readonly target: ModelRunner,
        private readonly draft: ModelRunner | undefined,
        options: EngineOptions
    ) {
        this.decoding = withDecodingDefaults(options);
        this.costClock = costClockFor(info.gpu);
        this.controller = this.createController();
        this.targetVocabularySize = target.model.fileInfo.metadata.tokenizer.ggml.tokens.length;
        const vocabularySize = this.targetVocabularySize;
        // A copy stops before a token the target's vocabulary lacks, and after an end-of-generation token.
        this.isUsable = (token) => token >= vocabularySize ? "no" : target.model.isEogToken(token) ? "last" : "yes";
        const lookup = new LookupDrafter({ pool: () => this.decoding.lookupPool ? this.pool : undefined }, this.isUsable);
        const model = draft != null ? new ModelDrafter(draft, vocabularySize) : undefined;
        this.drafters = { ngram: lookup, model, hybrid: model != null ? new HybridDrafter(lookup, model) : undefined };
        const declared = (target.model.fileInfo.metadata as unknown as { specula?: { fim_layout?: unknown } }).specula?.fim_layout;
        this.fimLayout = declared === "spm" ? "spm" : "psm";
    }

    /**
     * Validates both files, checks that their vocabularies agree, loads them and warms them up
     * (src/engine/loadModelPair.ts). A draft that does not fit the target leaves the engine usable
     * target-only, with the reason in `info.speculationUnavailableReason`. An aborted `signal` rejects
     * with its reason.
     */
    public static async load(options: EngineOptions, signal?: AbortSignal): Promise<SpeculativeEngine> {
        const { info, target, draft } = await loadModelPair(options, signal);
        return new SpeculativeEngine(info, target, draft, options);
    }

    public get decodingOptions(): Readonly<DecodingOptions> {
        return this.decoding;
    }

    public setDecodingOptions(update: Partial<DecodingOptions>): void {
        const next = { ...this.decoding, ...stripUndefined(update) };
        const controllerChanged = next.draftMax !== this.decoding.draftMax || next.adaptiveDraft !== this.decoding.adaptiveDraft ||
            next.drafter !== this.decoding.drafter || next.lookupPool !== this.decoding.lookupPool;
        this.decoding = next;
        if (controllerChanged)
            this.controller = this.createController();
    }

    /**
     * Replaces the pool lookup drafting learns into and copies from (with `lookupPool` on). Benchmarks
     * give each variant its own, so one variant's output is never another's draft.
     */
    public usePool(pool: TokenPool): void {
        this.pool = pool;
    }

    public get cumulativeStats(): CumulativeStats {
        return { ...this.totals };
    }

    /** Requests run one at a time; abort the previous request's signal to make room for a new one. */
    public complete(request: CompletionRequest): Promise<CompletionResult> {
        if (this.disposed)
            return Promise.reject(new SpeculaError("ENGINE_DISPOSED", "The completion engine has been shut down."));
        return this.enqueue(() => this.run(request));
    }

    /** Empties both KV caches, so the next request pays its full prompt (benchmarks compare like with like). */
    public clearCache(): Promise<void> {
        return this.enqueue(async () => {
            await this.target.clear();
            await this.draft?.clear();
        });
    }

    /** Runs `work` after everything queued before it (requests use the models one at a time); a failure does not stop the queue. */
    private enqueue<T>(work: () => Promise<T>): Promise<T> {
        const run = this.queue.then(work);
        this.queue = run.catch(() => undefined);
        return run;
    }

    /** Stops the running request at its next round, waits for it, then frees models and contexts. */
    public async dispose(): Promise<void> {
        if (this.disposed)
            return;
        this.disposed = true;
        this.disposal.abort();
        await this.queue;
        await this.draft?.dispose();
        await this.target.dispose();
    }

    private createController(): DraftLengthController {
        const key = `${this.decoding.draftMax}|${this.decoding.adaptiveDraft}|${this.decoding.drafter}|${this.decoding.lookupPool}`;
        let controller = this.controllers.get(key);
        if (controller == null) {
            controller = new DraftLengthController({ maxDraft: this.decoding.draftMax, adaptive: this.decoding.adaptiveDraft });
            this.controllers.set(key, controller);
        }
        return controller;
    }

    private async run(request: CompletionRequest): Promise<CompletionResult> {
        const started = performance.now();
        const signal = request.signal != null ? AbortSignal.any([request.signal, this.disposal.signal]) : this.disposal.signal;
        const { maxTokens } = generationBudget(this.target.context.contextSize, this.decoding.draftMax, request.maxTokens ?? decodingOptionTable.maxTokens.default);
        const temperature = Math.max(0, request.temperature ?? decodingOptionTable.temperature.default);
        const configured = this.drafters[this.decoding.drafter];
        // A next-edit request copies its window where the output follows it, and elsewhere uses the
        // configured drafter (lookup when that one needs a draft model the engine lacks).
        const drafter = request.copyFrom != null
            ? new CopyDrafter(this.copySource(request.copyFrom), configured ?? this.drafters.ngram, this.isUsable)
            : configured;
        const speculative = (request.speculative ?? this.decoding.speculative) && drafter != null;
        const stats = emptyRequestStats();

        const prompt = this.buildPromptFor(request, maxTokens);
        stats.promptTokens = prompt.tokens.length;

        const generated: Token[] = [];
        let stopReason: StopReason = "maxTokens";
        try {
            const promptStarted = performance.now();
            const history = prompt.tokens.slice();
            const { reused, ready: targetReady } = await this.loadPrompt(history, signal);
            stats.reusedPromptTokens = reused;
            const rounds = speculative && targetReady ? drafter : undefined;
            await rounds?.begin(history);
            if (request.prefillOnly === true)
                await rounds?.warm?.(history, signal);
            stats.promptMs = performance.now() - promptStarted;
            if (!targetReady)
                stopReason = "aborted";
            else if (request.prefillOnly === true)
                stopReason = "maxTokens";
            else
                stopReason = await this.decode(history, generated, {
                    maxTokens, maxLines: request.maxLines, temperature, drafter: rounds, signal,
                    random: new SeededRandom(request.seed ?? 0),
                    stream: request.onText != null ? new TextStream((tokens) => this.target.model.detokenize(tokens, false), request.onText) : undefined
                }, stats);
            rounds?.end(history, prompt.tokens.length);
        } catch (error) {
            // The caches may hold anything after a native error; forget them rather than trust them.
            this.target.resync();
            this.draft?.resync();
            throw error;
        }

        stats.generatedTokens = generated.length;
        stats.acceptanceRate = stats.draftedTokens > 0 ? stats.acceptedTokens / stats.draftedTokens : 0;
        stats.tokensPerTargetEval = stats.targetEvals > 0 ? generated.length / stats.targetEvals : 0;
        stats.totalMs = performance.now() - started;
        const text = this.textOf(generated, request.maxLines);
        checkCompletionText(text, this.info.targetPath);
        if (request.prefillOnly !== true)
            this.addToTotals(stats);
        return {
            text,
            tokens: generated,
            stopReason,
            speculative,
            stats
        };
    }

    private async decode(
        history: Token[],
        generated: Token[],
        settings: {
            maxTokens: number;
            maxLines: number | undefined;
            temperature: number;
            /** Undefined: the target decodes alone. */
            drafter: Drafter | undefined;
            signal: AbortSignal;
            random: SeededRandom;
            stream: TextStream | undefined;
        },
        stats: RequestStats
    ): Promise<StopReason> {
        const { maxTokens, temperature, signal } = settings;
        const greedy = temperature === 0;
        const maxLines = settings.maxLines != null && settings.maxLines > 0 ? settings.maxLines : Infinity;
        let lines = 0;
        const sampling = { temperature, topK: samplingTopK, topP: 1, minP: 0 };
        let roundContext: RoundContext | undefined = "first";

        while (true) {
            if (signal.aborted)
                return "aborted";
            const remaining = maxTokens - generated.length;
            if (remaining <= 0)
                return "maxTokens";
            if (history.length >= this.target.context.contextSize - 1)
                return "contextFull";

            // Draft: at most remaining − 1 proposals, because the target always adds one token; and
            // while the first line is being written — what the user waits for, shown cut at the latency
            // budget, which a verify in flight delays — no copy so long that verifying it outlasts
            // EVAL_TARGET_MS. Later rounds verify long copies whole, which is cheaper per token.
            const draftCost = this.costClock();
            // Until a plain eval has been timed, no proposal can be weighed against the target alone.
            const measuringPlain = greedy && this.controller.needsPlainCost();
            let proposal: Proposal = settings.drafter != null && remaining > 1 && !measuringPlain
                ? await settings.drafter.propose({
                    history,
                    limit: roundDraftLimit(remaining - 1, this.decoding.draftMax, lines === 0 ? this.controller.largestBatchWithin(EVAL_TARGET_MS, remaining) : undefined),
                    greedy, sampling, random: settings.random, signal, stats, context: roundContext,
                    controller: this.controller, draftMax: this.decoding.draftMax, draftConfidence: this.decoding.draftConfidence,
                    costClock: this.costClock
                })
                : noProposal("model");
            // The draft model's catch-up on the prompt is prompt processing, not this round's cost.
            const roundDraftCost = draftCost() - (proposal.catchUpMs ?? 0);
            // While the first line is being written, nothing past its end is verified: the user waits
            // for that line, and a longer batch (a copy of the lines after it) only delays it.
            if (lines === 0)
                proposal = truncateProposal(proposal, this.tokensToLineEnd(proposal.tokens));
            if (settings.drafter != null && remaining > 1 && !measuringPlain && proposal.tokens.length === 0)
                stats.declinedRounds = (stats.declinedRounds ?? 0) + 1;
            const drafts = proposal.tokens;
            const draftDistributions = proposal.distributions;

            // Verify: the pending token and every proposal in one batch, a prediction after each.
            const pending = history[history.length - 1];
            const verifyItems: ControlledEvaluateInputItem[] = [pending, ...drafts].map((token) => [token, {
                generateNext: greedy ? { token: true } : { probabilities: true, options: sampling }
            }]);
            const targetStarted = performance.now();
            const verifyCost = this.costClock();
            const verified = await this.target.evaluate(verifyItems);
            const roundVerifyCost = verifyCost();
            stats.targetMs += performance.now() - targetStarted;
            stats.targetEvals++;
            this.controller.recordTargetCost(verifyItems.length, roundVerifyCost);

            const committed: Token[] = [];
            let accepted = 0;
            for (let i = 0; i <= drafts.length; i++) {
                const next = verified[i]?.next;
                let targetToken: Token | undefined;
                if (greedy)
                    targetToken = next?.token ?? undefined;
                else if (next?.probabilities != null && next.probabilities.size > 0)
                    if (i < drafts.length) {
                        const decision = acceptOrResample(drafts[i], next.probabilities, draftDistributions[i], settings.random);
                        targetToken = decision.accepted ? drafts[i] : decision.token;
                    } else
                        targetToken = sampleFrom(next.probabilities, settings.random);
                if (targetToken == null)
                    break;
                committed.push(targetToken);
                if (i < drafts.length && targetToken === drafts[i])
                    accepted++;
                else
                    break;
            }
            stats.draftedTokens += drafts.length;
            stats.acceptedTokens += accepted;
            this.recordRound(proposal, accepted, roundContext, { greedy, committed: committed.length, verifyMs: roundVerifyCost, draftMs: roundDraftCost });
            // A round without drafts says nothing about the next one; fall back to the overall
            // estimate, or a drafter that looked bad after a rejection would never draft again.
            const afterThis: RoundContext | undefined = drafts.length === 0 ? undefined : accepted === drafts.length ? "afterAccept" : "afterReject";
            if (committed.length === 0)
                return "eos";

            // Roll back: the target keeps pending + accepted drafts; the new last token is pending.
            const keptLength = history.length + accepted;
            for (const token of committed)
                history.push(token);
            await this.target.keepCommonPrefix(history, keptLength);
            await settings.drafter?.afterRound(history, proposal, accepted);

            let stop: StopReason | undefined;
            for (const token of committed) {
                if (this.target.model.isEogToken(token)) {
                    stop = "eos";
                    break;
                }
                generated.push(token);
                lines += this.newlinesIn(token);
                if (lines >= maxLines)
                    stop = "maxLines";
                else if (generated.length >= maxTokens)
                    stop = "maxTokens";
                if (stop != null)
                    break;
            }
            // Until the first line is complete, rounds have a context of their own: the user waits for
            // exactly those rounds, and a new line's first tokens are where a draft is least often right.
            roundContext = lines === 0 ? "firstLine" : afterThis;
            settings.stream?.update(generated);
            if (stop != null)
                return stop;
        }
    }

    /**
     * Teaches the controller what a verified round showed: acceptance per source (a copy and the draft
     * model's continuation of it each count for their own), the draft model's confidence calibration,
     * and what the round earned against the target alone — greedy rounds only (a sampled round's
     * proposals must not depend on timings), including a draft-model round whose tokens were all cut
     * (its draft evals were spent for nothing), but not a round where nothing was drafted.
     */
    private recordRound(proposal: Proposal, accepted: number, context: RoundContext | undefined, round: { greedy: boolean; committed: number; verifyMs: number; draftMs: number }): void {
        const drafted = proposal.tokens.length;
        const modelFrom = proposal.model?.from ?? drafted;
        if (modelFrom > 0)
            this.controller.recordAcceptance(modelFrom, Math.min(accepted, modelFrom), proposal.source, context);
        if (proposal.model != null && accepted >= modelFrom) {
            this.controller.recordAcceptance(drafted - modelFrom, accepted - modelFrom, "model", modelFrom > 0 ? "afterAccept" : context);
            if (proposal.model.confidences.length > 0)
                this.controller.calibration.record(proposal.model.confidences, accepted - modelFrom);
        }
        if (!round.greedy || !spentDrafting(proposal))
            return;
        const probe = proposal.model?.probe;
        this.controller.recordRound({
            source: proposal.source, context, committed: round.committed, verifyMs: round.verifyMs, draftMs: round.draftMs,
            ...(probe != null && modelFrom === 0 ? { probe: { policyLength: probe.policyLength, drafted, accepted } } : {})
        });
    }

    /**
     * The target's distribution for the token after the request's prompt and `continuation` (the bench
     * uses it to tell a floating-point near tie from a real mismatch: see src/bench/nearTie.ts).
     * Queued like a request; the prompt is taken from the cache where it is there.
     */
    public nextTokenProbabilities(request: CompletionRequest, continuation: readonly Token[]): Promise<ReadonlyMap<Token, number>> {
        if (this.disposed)
            return Promise.reject(new SpeculaError("ENGINE_DISPOSED", "The completion engine has been shut down."));
        return this.enqueue(async () => {
            const history = [...this.promptTokens(request), ...continuation];
            try {
                await this.loadPrompt(history, undefined);
                const [result] = await this.target.evaluate([[history[history.length - 1], { generateNext: { probabilities: true } }]]);
                return result?.next?.probabilities ?? new Map<Token, number>();
            } catch (error) {
                this.target.resync();
                throw error;
            }
        });
    }

    /**
     * Brings the target's cache to `history` minus its last token (the one the first eval reads): keeps
     * the common prefix of what is cached, prefills the rest. Returns how many tokens were reused and
     * whether the prefill finished (false when `signal` aborted it).
     */
    private async loadPrompt(history: readonly Token[], signal: AbortSignal | undefined): Promise<{ reused: number; ready: boolean }> {
        this.target.resync();
        const reused = await this.target.keepCommonPrefix(history, history.length - 1);
        const ready = await this.target.prefill(history.slice(reused, history.length - 1), signal);
        return { reused, ready };
    }

    /** The exact prompt tokens a request is decoded from (for tests, diagnostics and benchmarks). */
    public promptTokens(request: CompletionRequest): Token[] {
        return this.buildPromptFor(request, generationBudget(this.target.context.contextSize, this.decoding.draftMax, request.maxTokens ?? decodingOptionTable.maxTokens.default).maxTokens).tokens;
    }

    /** Leaves room in the context for every token the request may add, drafts included: overflow would shift the cache and break exactness. */
    private buildPromptFor(request: CompletionRequest, maxTokens: number): BuiltPrompt {
        const budget = this.target.context.contextSize - maxTokens - this.decoding.draftMax - 2;
        if (request.rawPrompt != null) {
            const model = this.target.model;
            const tokens = [
                ...(model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : []),
                ...model.tokenize(request.rawPrompt, true)
            ];
            if (tokens.length > budget)
                throw new SpeculaError(
                    "BAD_ARGUMENT",
                    `The prompt is ${tokens.length} tokens but the ${this.target.context.contextSize}-token context leaves room for ${Math.max(0, budget)} with ${maxTokens} to generate; ask for fewer tokens or send a shorter prompt.`
                );
            return { tokens, fim: false, trimmed: { prefix: 0, suffix: 0, extraContext: 0 } };
        }
        return buildPrompt(this.promptTokenizer(), {
            prefix: request.prefix,
            middleChars: request.middleChars,
            suffix: request.suffix ?? "",
            extraContext: request.extraContext ?? "",
            fim: request.fim ?? true
        }, budget);
    }

    /** The text a next-edit output copies, as the target tokenizes it, then its end-of-text token (an unchanged window ends there). */
    private copySource(text: string): Token[] {
        const model = this.target.model;
        const tokens = model.tokenize(text, false);
        if (model.tokens.eos != null)
            tokens.push(model.tokens.eos);
        return tokens;
    }

    private promptTokenizer(): PromptTokenizer {
        const model = this.target.model;
        const infill = model.tokens.infill;
        return {
            tokenize: (text) => model.tokenize(text, false),
            bos: model.tokens.bos,
            shouldPrependBos: model.tokens.shouldPrependBosToken,
            fim: this.info.fim ? { prefix: infill.prefix!, suffix: infill.suffix!, middle: infill.middle!, layout: this.fimLayout } : null
        };
    }

    /** How many of `tokens` reach the end of a line: up to and including the first with a line break (all when none has one). */
    private tokensToLineEnd(tokens: readonly Token[]): number {
        const index = tokens.findIndex((token) => this.newlinesIn(token) > 0);
        return index < 0 ? tokens.length : index + 1;
    }

    private newlinesIn(token: Token): number {
        let count = this.newlineCount.get(token);
        if (count == null) {
            const text = this.target.model.detokenize([token], false);
            count = 0;
            for (const char of text)
                if (char === "\n")
                    count++;
            this.newlineCount.set(token, count);
        }
        return count;
    }

    /** Text of the tokens, cut before the line break that would exceed `maxLines`. */
    private textOf(tokens: Token[], maxLines: number | undefined): string {
        let text = this.target.model.detokenize(tokens, false);
        if (maxLines != null && maxLines > 0) {
            let index = -1;
            for (let line = 0; line < maxLines; line++) {
                index = text.indexOf("\n", index + 1);
                if (index < 0)
                    break;
            }
            if (index >= 0)
                text = text.slice(0, index);
        }
        return text;
    }

    private addToTotals(stats: RequestStats): void {
        const totals = this.totals;
        totals.requests++;
        addDecodingCounts(totals, stats);
        totals.generatedTokens += stats.generatedTokens;
        totals.totalMs += stats.totalMs;
        totals.acceptanceRate = totals.draftedTokens > 0 ? totals.acceptedTokens / totals.draftedTokens : 0;
        totals.tokensPerTargetEval = totals.targetEvals > 0 ? totals.generatedTokens / totals.targetEvals : 0;
    }
}

/**
 * Most proposals in one round: what the request has left (`remaining`), and, when given, no more
 * than the target verifies in about EVAL_TARGET_MS (`batchWithin`, pending token included) — the
 * latency budget's partial line and an abort wait for the verify in flight, and a long lookup copy
 * (up to 64 tokens) would hold them for half a second on a CPU. Never below the user's K
 * (`draftMax`): the draft length controller chooses within it from measured costs, and a batch of K
 * is short.
 */
export function roundDraftLimit(remaining: number, draftMax: number, batchWithin: number | undefined): number {
    if (batchWithin == null)
        return remaining;
    return Math.max(1, Math.min(remaining, Math.max(draftMax, batchWithin - 1)));
}

/**
 * Turns the growing token list of a completion into text deltas. Tokens can end inside a UTF-8
 * character (byte-level vocabularies); a trailing replacement character is held back until the
 * next tokens complete it.
 */
class TextStream {
    private sent = "";
    private broken = false;

    public constructor(
        private readonly detokenize: (tokens: readonly Token[]) => string,
        private readonly emit: (delta: string) => void
    ) {}

    public update(tokens: readonly Token[]): void {
        let text = this.detokenize(tokens);
        while (text.endsWith("\uFFFD"))
            text = text.slice(0, -1);
        // NUL text means broken weights: nothing more is streamed, and the request fails at its end
        // (checkCompletionText), so no piece of it is ever shown.
        if (text.includes("\u0000"))
            this.broken = true;
        if (this.broken || text.length <= this.sent.length || !text.startsWith(this.sent))
            return;
        const delta = text.slice(this.sent.length);
        this.sent = text;
        this.emit(delta);
    }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function emptyRequestStats(): RequestStats {
    return {
        draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, generatedTokens: 0, acceptanceRate: 0,
        tokensPerTargetEval: 0, promptTokens: 0, reusedPromptTokens: 0, promptMs: 0, draftMs: 0, targetMs: 0, totalMs: 0, declinedRounds: 0
    };
}

function emptyCumulativeStats(): CumulativeStats {
    return {
        requests: 0, draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, generatedTokens: 0,
        acceptanceRate: 0, tokensPerTargetEval: 0, draftMs: 0, targetMs: 0, totalMs: 0
    };
}
