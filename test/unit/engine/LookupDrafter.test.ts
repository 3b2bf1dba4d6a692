import * as assert from "node:assert/strict";
import { DraftLengthController } from "../../../src/engine/DraftLengthController";
import type { DraftRound } from "../../../src/engine/drafters/Drafter";
import { LookupDrafter } from "../../../src/engine/drafters/LookupDrafter";
import { TokenPool } from "../../../src/engine/drafters/TokenPool";
import { wallClock } from "../../../src/engine/costClock";
import { SeededRandom } from "../../../src/engine/speculativeSampling";

const tokens = (text: string) => [...Buffer.from(text, "latin1")] as never[];
const text = (ids: readonly number[]) => Buffer.from(ids).toString("latin1");

function round(history: number[], overrides: Partial<DraftRound> = {}): DraftRound {
    return {
        history: history as never[], limit: 100, greedy: true, sampling: { temperature: 0, topK: 40, topP: 1, minP: 0 },
        random: new SeededRandom(1), signal: new AbortController().signal,
        stats: { draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, generatedTokens: 0, acceptanceRate: 0, tokensPerTargetEval: 0, promptTokens: 0, reusedPromptTokens: 0, promptMs: 0, draftMs: 0, targetMs: 0, totalMs: 0 },
        context: undefined, controller: new DraftLengthController({ maxDraft: 8, adaptive: false }), draftMax: 8, draftConfidence: 0, costClock: wallClock,
        ...overrides
    };
}

const usable = (token: number) => token === 0x7e ? "no" as const : token === 0x24 ? "last" as const : "yes" as const;

describe("LookupDrafter", () => {
    const earlier = "export function total(items) {\n    return items.reduce((sum, item) => sum + item.price * item.count, 0);\n}\n";

    it("copies from earlier requests through the pool, and a long match may draft past K", async () => {
        const pool = new TokenPool({ capacity: 4096 });
        const drafter = new LookupDrafter({ pool: () => pool, longDraftMax: 32 }, usable);
        await drafter.begin(tokens("unrelated"));
        drafter.end(tokens(earlier));
        const history = tokens("// another file\nexport function total(items) {\n    return items.re");
        await drafter.begin(history);
        const proposal = await drafter.propose(round(history));
        assert.equal(proposal.source, "ngram32");
        assert.equal(text(proposal.tokens), "duce((sum, item) => sum + item.p", "32 tokens, past K = 8");
        assert.deepEqual(proposal.distributions[0], new Map([[proposal.tokens[0], 1]]));
    });

    it("takes whichever of the prompt and the pool matches longer", async () => {
        const pool = new TokenPool({ capacity: 4096 });
        const drafter = new LookupDrafter({ pool: () => pool }, usable);
        // The pool saw "a long shared run of text, then POOL"; the prompt itself has a shorter
        // occurrence ("of text, then PROMPT") earlier on.
        await drafter.begin(tokens("unrelated"));
        drafter.end(tokens("xx a long shared run of text, then POOL;"));
        const longerInPool = tokens("zz of text, then PROMPT; yy a long shared run of text, then ");
        await drafter.begin(longerInPool);
        assert.equal(text((await drafter.propose(round(longerInPool))).tokens).slice(0, 4), "POOL");
        const longerInPrompt = tokens("qq the run of text, then PROMPT; more: the run of text, then ");
        await drafter.begin(longerInPrompt);
        assert.equal(text((await drafter.propose(round(longerInPrompt))).tokens).slice(0, 6), "PROMPT");
    });

    it("after a 32-token match that has been reliable, copies the whole continuation; once it is not, the controller decides", async () => {
        const pool = new TokenPool({ capacity: 4096 });
        pool.add(tokens(earlier));
        const drafter = new LookupDrafter({ pool: () => pool, longDraftMax: 32 }, usable);
        const controller = new DraftLengthController({ maxDraft: 8, adaptive: true });
        // A verified token costs half a single eval: at α = 0.95 the controller alone would draft about 3.
        controller.recordTargetCost(1, 20);
        controller.recordTargetCost(9, 100);
        const history = tokens("// another file\nexport function total(items) {\n    return items.re");
        await drafter.begin(history);
        const trusted = await drafter.propose(round(history, { controller }));
        assert.equal(trusted.source, "ngram32");
        assert.equal(trusted.tokens.length, 32);
        for (let i = 0; i < 30; i++)
            controller.recordAcceptance(10, 1, "ngram32");
        const unsure = await drafter.propose(round(history, { controller }));
        assert.ok(unsure.tokens.length < 8, `after rejections: ${unsure.tokens.length} tokens`);
    });

    it("a shorter match drafts at most K, under its own source", async () => {
        const pool = new TokenPool({ capacity: 4096 });
        const drafter = new LookupDrafter({ pool: () => pool, poolMinMatch: 8 }, usable);
        pool.add(tokens(earlier));
        const history = tokens("let y = item) => s");
        await drafter.begin(history);
        const proposal = await drafter.propose(round(history));
        assert.equal(proposal.source, "ngram8");
        assert.equal(text(proposal.tokens), "um + ite");
    });

    it("does not use the pool when sampling (a seed must reproduce a completion whatever came before)", async () => {
        const pool = new TokenPool({ capacity: 4096 });
        pool.add(tokens(earlier));
        const drafter = new LookupDrafter({ pool: () => pool }, usable);
        const history = tokens("export function total(items) {\n    return items.re");
        await drafter.begin(history);
        assert.equal((await drafter.propose(round(history, { greedy: false }))).tokens.length, 0);
        assert.ok((await drafter.propose(round(history))).tokens.length > 0);
    });

    it("learns nothing and finds nothing in earlier requests without a pool", async () => {
        const drafter = new LookupDrafter({}, usable);
        await drafter.begin(tokens("x"));
        drafter.end(tokens(earlier));
        const history = tokens("export function total(items) {\n    return items.re");
        await drafter.begin(history);
        assert.equal((await drafter.propose(round(history))).tokens.length, 0);
    });

    it("stops a copy before a token the target cannot take, and after an end-of-generation token", async () => {
        const drafter = new LookupDrafter({}, usable);
        const history = tokens("abcd~efg abcd$hij abc");
        await drafter.begin(history);
        // The latest match of "abc" is "abcd$hij": copy "d$" and stop after the end token "$".
        assert.equal(text((await drafter.propose(round(history))).tokens), "d$");
        const other = tokens("wxyz~q wxy");
        await drafter.begin(other);
        assert.equal(text((await drafter.propose(round(other))).tokens), "z");
    });

    it("stays within the round's limit", async () => {
        const pool = new TokenPool({ capacity: 4096 });
        pool.add(tokens(earlier));
        const drafter = new LookupDrafter({ pool: () => pool }, usable);
        const history = tokens("export function total(items) {\n    return items.re");
        await drafter.begin(history);
        assert.equal((await drafter.propose(round(history, { limit: 3 }))).tokens.length, 3);
    });
});
