import * as assert from "node:assert/strict";
import { Debouncer, delay } from "../../../src/completion/Debouncer";

describe("delay", () => {
    it("resolves true after the delay", async () => {
        const started = performance.now();
        assert.equal(await delay(30), true);
        assert.ok(performance.now() - started >= 25);
    });

    it("resolves false at once when the signal has already aborted", async () => {
        const controller = new AbortController();
        controller.abort();
        const started = performance.now();
        assert.equal(await delay(1000, controller.signal), false);
        assert.ok(performance.now() - started < 50);
    });

    it("resolves false as soon as the signal aborts", async () => {
        const controller = new AbortController();
        const started = performance.now();
        setTimeout(() => controller.abort(), 10);
        assert.equal(await delay(5000, controller.signal), false);
        assert.ok(performance.now() - started < 1000);
    });

    it("removes its abort listener once the time has passed", async () => {
        const controller = new AbortController();
        let added = 0;
        let removed = 0;
        const signal = controller.signal;
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = ((...args: Parameters<typeof add>) => {
            added++;
            add(...args);
        }) as typeof add;
        signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
            removed++;
            remove(...args);
        }) as typeof remove;
        assert.equal(await delay(1, signal), true);
        assert.equal(added, 1);
        assert.equal(removed, 1);
    });
});

describe("Debouncer", () => {
    function typing(debouncer: Debouncer, gapMs: number, keys: number, start = 0): number {
        let time = start;
        for (let i = 0; i < keys; i++) {
            debouncer.recordKeystroke(time);
            time += gapMs;
        }
        return time;
    }

    it("starts at the initial delay", () => {
        assert.equal(new Debouncer().delayMs, 350);
        assert.equal(new Debouncer({ initialMs: 200 }).delayMs, 200);
    });

    it("waits a little over the typical gap between keystrokes", () => {
        const debouncer = new Debouncer({ minMs: 50, maxMs: 1000, gapFactor: 1.5 });
        typing(debouncer, 200, 10);
        assert.equal(debouncer.delayMs, 300);
    });

    it("waits less for fast typists than for slow ones", () => {
        const fast = new Debouncer();
        const slow = new Debouncer();
        typing(fast, 80, 20);
        typing(slow, 400, 20);
        assert.ok(fast.delayMs < slow.delayMs, `${fast.delayMs} vs ${slow.delayMs}`);
    });

    it("stays within [minMs, maxMs]", () => {
        const quick = new Debouncer({ minMs: 100, maxMs: 1000 });
        typing(quick, 10, 20);
        assert.equal(quick.delayMs, 100);
        const sluggish = new Debouncer({ minMs: 100, maxMs: 1000, pauseMs: 5000 });
        typing(sluggish, 1900, 20);
        assert.equal(sluggish.delayMs, 1000);
        assert.equal(new Debouncer({ minMs: 100, maxMs: 1000, initialMs: 5 }).delayMs, 100);
    });

    it("ignores pauses and clock jumps backwards when learning the speed", () => {
        const debouncer = new Debouncer({ minMs: 0, maxMs: 10_000, gapFactor: 1, pauseMs: 2000 });
        const end = typing(debouncer, 100, 10);
        debouncer.recordKeystroke(end + 60_000);
        debouncer.recordKeystroke(end + 60_100);
        debouncer.recordKeystroke(end);
        assert.equal(Math.round(debouncer.delayMs), 100);
    });

    it("waits the current delay and can be aborted", async () => {
        const debouncer = new Debouncer({ minMs: 10, maxMs: 10 });
        assert.equal(await debouncer.wait(), true);
        const controller = new AbortController();
        controller.abort();
        assert.equal(await debouncer.wait(controller.signal), false);
    });

    it("counts the wait from the last keystroke: time the request took to arrive is part of it", () => {
        let now = 0;
        const debouncer = new Debouncer({ minMs: 0, maxMs: 10_000, gapFactor: 1, initialMs: 300, now: () => now });
        assert.equal(debouncer.remainingMs, 300, "no keystroke yet: the whole delay");
        debouncer.recordKeystroke(1000);
        now = 1120;
        assert.equal(debouncer.remainingMs, 180);
        now = 1400;
        assert.equal(debouncer.remainingMs, 0);
        // A clock behind the keystroke (another clock's time was recorded) waits the whole delay.
        now = 900;
        assert.equal(debouncer.remainingMs, 300);
    });

    it("uses the injected clock when no time is given", () => {
        let now = 0;
        const debouncer = new Debouncer({ minMs: 0, maxMs: 10_000, gapFactor: 1, now: () => now });
        debouncer.recordKeystroke();
        now = 250;
        debouncer.recordKeystroke();
        assert.equal(debouncer.delayMs, 250);
    });
});
