import * as assert from "node:assert/strict";
import { engineBackend } from "../../src/bench/typingReplay";
import type { BackendOutcome, BackendRequest, CompletionBackend } from "../../src/completion/CompletionBackend";
import { CompletionPipeline } from "../../src/completion/CompletionPipeline";
import { Debouncer } from "../../src/completion/Debouncer";
import { stringDocument } from "../../src/completion/DocumentView";
import { SeededRandom } from "../../src/engine/speculativeSampling";
import type { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import { loadSmallEngine } from "./engineTestSupport";

/**
 * The pipeline aborts generations all the time — a prefetch the user types past, a generation for
 * a place the user left — and streams, and reuses the KV caches across all of it. Every generation
 * that finishes must still be token for token what the target alone writes for its prompt.
 */
describe("pipeline: streaming, prefetch and its cancellation keep the output exact", function () {
    this.timeout(600_000);
    let engine: SpeculativeEngine;
    let reference: SpeculativeEngine;

    before(async () => {
        engine = await loadSmallEngine({ draftMax: 4 });
        reference = await loadSmallEngine({ draftPath: undefined });
    });
    after(async () => {
        await engine?.dispose();
        await reference?.dispose();
    });

    it("every finished generation equals target alone, through random edits, accepts and aborted prefetches", async () => {
        const finished: Array<{ request: BackendRequest; text: string }> = [];
        let prefetchesAborted = 0;
        let prefetches = 0;
        const inner = engineBackend(engine, true);
        const recording: CompletionBackend = {
            async complete(request, signal, onText) {
                const outcome: BackendOutcome = await inner.complete(request, signal, onText);
                if (outcome.kind === "result" && outcome.result.stopReason !== "aborted")
                    finished.push({ request, text: outcome.result.text });
                return outcome;
            }
        };
        const pipeline = new CompletionPipeline({
            backend: recording,
            settings: () => ({ maxTokens: 24, maxLines: 4, temperature: 0, contextSize: 2048, latencyBudgetMs: 40, prefetch: true, logPrompts: false }),
            debouncer: new Debouncer({ minMs: 0, maxMs: 0, initialMs: 0 }),
            events: {
                onGenerationDone: (_stats, _speculative, purpose) => {
                    if (purpose === "prefetch")
                        prefetches++;
                }
            }
        });
        const random = new SeededRandom(11);
        let text = "export function area(width: number, height: number) {\n    return \n}\n";
        let offset = text.indexOf("return ") + "return ".length;
        const uri = "file:///exact.ts";
        for (let step = 0; step < 30; step++) {
            const outcome = await pipeline.provide({ document: stringDocument(uri, text), offset, trigger: "automatic" }, new AbortController().signal);
            const choice = random.next();
            if (outcome.kind === "suggestion" && choice < 0.5) {
                // Accept, then let the prefetch run a moment before the next move.
                text = text.slice(0, offset) + outcome.text + text.slice(offset);
                offset += outcome.text.length;
            } else {
                // Type something else (a prefetch or running generation for this place is aborted).
                const typed = ["x", " ", "(", "\n", "1"][Math.floor(random.next() * 5)]!;
                text = text.slice(0, offset) + typed + text.slice(offset);
                offset += typed.length;
                if (pipeline.liveCount > 0)
                    prefetchesAborted++;
            }
            await new Promise((resolve) => setTimeout(resolve, Math.floor(random.next() * 60)));
        }
        await pipeline.whenIdle();
        assert.ok(finished.length >= 10, `only ${finished.length} generations finished`);
        assert.ok(prefetches >= 1, "no prefetch ran, so their effect was not tested");
        for (const [index, { request, text: produced }] of finished.entries()) {
            await reference.clearCache();
            const alone = await reference.complete({ ...request, speculative: false });
            assert.equal(produced, alone.text, `generation ${index} (${JSON.stringify(request.prefix.slice(-30))}) differs from target alone`);
        }
        console.log(`      ${finished.length} finished generations equal target alone; ${prefetches} prefetches finished, ${prefetchesAborted} moves while a generation was live`);
    });
});
