import * as assert from "node:assert/strict";
import { attachStages, summarizeMode, type RealUiResult, type TimedKey, type TimingEvent } from "../../../test/realui/realUiLatency";

// Epoch-ms timestamps as the page and the extension host log them.
const tabAt = 1_000_000;
const answer = (seq: number, calledAt: number, kind: "suggestion" | "empty", trigger: "explicit" | "automatic"): TimingEvent => ({
    event: "answer", seq, calledAt, answeredAt: calledAt + 40, lastEditAt: calledAt - 10, uri: "file:///a.js", offset: 10, version: 1, trigger, kind, canceled: false,
    ...(kind === "suggestion" ? { source: "new", piece: "lines", chars: 5 } : {})
});

describe("real-UI run: where a key's time went", () => {
    it("a Tab after which the extension had nothing to show, before the user's next key, is 'nothing to show', not a Tab that never got ghost text", () => {
        const tab: TimedKey = { mode: "speculative", latencyMs: Infinity, keyAt: tabAt };
        const events: TimingEvent[] = [
            { event: "accepted", at: tabAt + 30 },
            answer(1, tabAt + 60, "empty", "explicit"),
            // The user typed on 2 s later (Enter); that key's ghost text is no answer to the Tab.
            answer(2, tabAt + 2100, "suggestion", "automatic")
        ];
        const tabs = [tab];
        attachStages(tabs, events, [tabAt - 500, tabAt, tabAt + 2050]);
        assert.ok(Number.isNaN(tabs[0]!.latencyMs), `latency ${tabs[0]!.latencyMs}`);
        assert.equal(tabs[0]!.stages?.toProvider, 60);
        assert.equal(tabs[0]!.stages?.toAccepted, 30);

        const result = { options: { modes: ["speculative"] }, pauses: [], tabs } as unknown as RealUiResult;
        const summary = summarizeMode(result, "speculative");
        assert.deepEqual({ count: summary.tab.count, nothing: summary.tab.nothing, p50: summary.tab.p50 }, { count: 0, nothing: 1, p50: undefined });
    });

    it("a Tab whose re-ask found nothing while a later answer before the next key had ghost text still waited (∞)", () => {
        const tab: TimedKey = { mode: "speculative", latencyMs: Infinity, keyAt: tabAt };
        const tabs = [tab];
        attachStages(tabs, [answer(1, tabAt + 60, "empty", "explicit"), answer(2, tabAt + 900, "suggestion", "automatic")], [tabAt, tabAt + 2050]);
        assert.equal(tabs[0]!.latencyMs, Infinity);
    });
});
