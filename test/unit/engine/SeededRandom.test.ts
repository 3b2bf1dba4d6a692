import * as assert from "node:assert/strict";
import { SeededRandom } from "../../../src/engine/SeededRandom";

describe("SeededRandom", () => {
    it("repeats its sequence for a seed, a number seed being its decimal string", () => {
        const draw = (random: SeededRandom) => Array.from({ length: 5 }, () => random.next());
        const first = draw(new SeededRandom(42));
        assert.deepEqual(draw(new SeededRandom(42)), first);
        assert.deepEqual(draw(new SeededRandom("42")), first);
        assert.notDeepEqual(draw(new SeededRandom(43)), first);
        assert.ok(first.every((value) => value >= 0 && value < 1), `${first}`);
    });

    it("is uniform enough: 10 000 draws fill ten bins within 15 % of their share", () => {
        const random = new SeededRandom(7);
        const bins = new Array<number>(10).fill(0);
        for (let index = 0; index < 10_000; index++)
            bins[Math.floor(random.next() * 10)]!++;
        assert.ok(bins.every((count) => Math.abs(count - 1000) < 150), `${bins}`);
    });
});
