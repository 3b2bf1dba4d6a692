import * as assert from "node:assert/strict";
import { costClockFor, cpuClock, wallClock } from "../../../src/engine/costClock";

describe("costClock", () => {
    it("times evals by CPU time on a CPU and by the wall clock on a GPU", () => {
        assert.equal(costClockFor(false), cpuClock);
        assert.equal(costClockFor("cuda"), wallClock);
        assert.equal(costClockFor("metal"), wallClock);
    });

    it("the CPU clock does not count time spent waiting (another process's turn on the core, a GPU)", async () => {
        const cpu = cpuClock();
        const wall = wallClock();
        await new Promise((resolve) => setTimeout(resolve, 200));
        const waited = wall();
        const used = cpu();
        assert.ok(waited >= 190, `waited ${waited} ms`);
        assert.ok(used < waited / 2, `CPU ${used} ms while waiting ${waited} ms`);
    });
});
