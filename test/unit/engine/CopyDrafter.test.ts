import * as assert from "node:assert/strict";
import { DraftLengthController } from "../../../src/engine/DraftLengthController";
import { CopyDrafter } from "../../../src/engine/drafters/CopyDrafter";
import type { Drafter, DraftRound, Proposal } from "../../../src/engine/drafters/Drafter";
import { wallClock } from "../../../src/engine/costClock";
import { SeededRandom } from "../../../src/engine/speculativeSampling";

// One token per character: the tests read as text.
const tokens = (text: string) => [...Buffer.from(text, "latin1")] as never[];
const text = (list: readonly number[]) => Buffer.from(list).toString("latin1");

function round(history: readonly number[], limit = 40): DraftRound {
    return {
        history: history as never[], limit, greedy: true, sampling: { temperature: 0, topK: 40, topP: 1, minP: 0 },
        random: new SeededRandom(1), signal: new AbortController().signal,
        stats: { draftedTokens: 0, acceptedTokens: 0, targetEvals: 0, generatedTokens: 0, acceptanceRate: 0, tokensPerTargetEval: 0, promptTokens: 0, reusedPromptTokens: 0, promptMs: 0, draftMs: 0, targetMs: 0, totalMs: 0 },
        context: undefined, controller: new DraftLengthController({ maxDraft: 8, adaptive: false }), draftMax: 8, draftConfidence: 0, costClock: wallClock
    };
}

/** Stands in for the draft model: proposes "?" and counts its calls. */
function fallback(): Drafter & { calls: number } {
    const drafter = {
        calls: 0,
        begin: async () => {},
        propose: async (): Promise<Proposal> => {
            drafter.calls++;
            return { source: "model", tokens: [0x3f as never], distributions: [new Map([[0x3f as never, 1]])] };
        },
        afterRound: async () => {},
        end: () => {}
    };
    return drafter;
}

/** What the copy proposes after the prompt and `output`, as text ("" for the fallback's proposal). */
async function proposeAfter(drafter: CopyDrafter, prompt: never[], outputs: string[], limit = 40): Promise<Proposal> {
    await drafter.begin(prompt);
    let proposal: Proposal = { source: "copy", tokens: [], distributions: [] };
    let history = prompt.slice();
    // Each output piece is one round's committed tokens.
    proposal = await drafter.propose(round(history, limit));
    for (const piece of outputs) {
        history = [...history, ...tokens(piece)];
        proposal = await drafter.propose(round(history, limit));
    }
    return proposal;
}

describe("CopyDrafter", () => {
    const prompt = tokens("<prompt>");
    const source = tokens("    i = remotespec.find(':')\n");

    it("proposes the window from its start before any output", async () => {
        const drafter = new CopyDrafter(source, fallback(), () => "yes");
        const proposal = await proposeAfter(drafter, prompt, [], 12);
        assert.equal(proposal.source, "copy");
        assert.equal(text(proposal.tokens), "    i = remo");
    });

    it("continues where the output stands while it copies", async () => {
        const drafter = new CopyDrafter(source, fallback(), () => "yes");
        assert.equal(text((await proposeAfter(drafter, prompt, ["    i = ", "remote"])).tokens), "spec.find(':')\n");
    });

    it("re-aligns after an insertion: the copy resumes at the source token the output continues with", async () => {
        const model = fallback();
        const drafter = new CopyDrafter(source, model, () => "yes");
        // "remotespec" + "4" inserted, then the output goes on with "." (the source's next token).
        assert.equal((await proposeAfter(drafter, prompt, ["    i = remotespec", "4"])).source, "model");
        assert.equal(model.calls, 1);
        assert.equal(text((await proposeAfter(drafter, prompt, ["    i = remotespec", "4", "."])).tokens), "find(':')\n");
    });

    it("re-aligns after a deletion and after a replacement", async () => {
        const drafter = new CopyDrafter(source, fallback(), () => "yes");
        // "spec" dropped: the output jumps from "remote" to ".".
        assert.equal(text((await proposeAfter(drafter, prompt, ["    i = remote", ".f"])).tokens), "ind(':')\n");
        // "remotespec" replaced by "host": re-aligned once ".fi" follows.
        assert.equal(text((await proposeAfter(drafter, prompt, ["    i = ", "host", ".fi"])).tokens), "nd(':')\n");
    });

    it("stops a copy after an end token and before a token the target lacks", async () => {
        const withEnd = [...source, 0x04 as never, ...tokens("more")];
        const drafter = new CopyDrafter(withEnd, fallback(), (token) => token === 0x04 ? "last" : token === 0x3a ? "no" : "yes");
        assert.equal(text((await proposeAfter(drafter, prompt, [])).tokens), "    i = remotespec.find('");
        assert.deepEqual((await proposeAfter(drafter, prompt, ["    i = remotespec.find(':')\n"])).tokens, [0x04]);
    });

    it("hands over to the fallback once the source is copied to its end", async () => {
        const model = fallback();
        const drafter = new CopyDrafter(source, model, () => "yes");
        assert.equal((await proposeAfter(drafter, prompt, ["    i = remotespec.find(':')\n"])).source, "model");
    });
});
