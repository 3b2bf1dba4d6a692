import * as assert from "node:assert/strict";
import { chunkAround, ExtraContextRing } from "../../../src/completion/ExtraContextRing";
import { formatSnippet } from "../../../src/completion/formatExtraContext";
import { splitsCharacter } from "../../../src/completion/textBoundaries";

function numbered(count: number, name = "line", eol = "\n"): string {
    return Array.from({ length: count }, (_, i) => `${name} ${i}`).join(eol) + eol;
}

function offsetOf(text: string, needle: string): number {
    const index = text.indexOf(needle);
    assert.ok(index >= 0, `${needle} not in text`);
    return index;
}

describe("chunkAround", () => {
    it("takes whole lines on each side of the offset", () => {
        const text = numbered(20);
        const { start, end } = chunkAround(text, offsetOf(text, "line 10") + 3, 2, 10_000);
        assert.equal(text.slice(start, end), "line 8\nline 9\nline 10\nline 11\nline 12\n");
    });

    it("stops at the start and end of the file", () => {
        const text = numbered(5);
        assert.equal(text.slice(...range(chunkAround(text, 0, 2, 10_000))), "line 0\nline 1\nline 2\n");
        assert.equal(text.slice(...range(chunkAround(text, text.length, 2, 10_000))), "line 3\nline 4\n");
    });

    it("stays within maxChars, keeping the edited line", () => {
        const text = numbered(100);
        const { start, end } = chunkAround(text, offsetOf(text, "line 50"), 40, 60);
        assert.ok(end - start <= 60);
        assert.ok(text.slice(start, end).includes("line 50\n"));
        assert.ok(start === 0 || text[start - 1] === "\n");
        assert.ok(text[end - 1] === "\n");
    });

    it("cuts a huge single line around the offset without splitting characters", () => {
        const text = "😀é".repeat(100_000);
        for (const offset of [0, 1, 2, 77, 150_001, text.length]) {
            const { start, end } = chunkAround(text, offset, 16, 101);
            assert.ok(end - start <= 101 && end - start > 90, `${end - start} chars at ${offset}`);
            assert.ok(!splitsCharacter(text, start) && !splitsCharacter(text, end));
        }
    });
});

function range({ start, end }: { start: number; end: number }): [number, number] {
    return [start, end];
}

describe("ExtraContextRing", () => {
    it("stores the chunk around an edit and hands it out formatted for the prompt", () => {
        const ring = new ExtraContextRing({ linesAround: 1 });
        const text = numbered(10);
        assert.equal(ring.add("a.ts", text, offsetOf(text, "line 5")), true);
        assert.deepEqual(ring.snippets(undefined, 1000), [{ path: "a.ts", text: "line 4\nline 5\nline 6" }]);
        assert.equal(ring.size, 1);
        assert.equal(ring.totalChars, "line 4\nline 5\nline 6".length);
    });

    it("leaves out the document being completed", () => {
        const ring = new ExtraContextRing({ linesAround: 1 });
        ring.add("a.ts", numbered(5, "a"), 0);
        ring.add("b.ts", numbered(5, "b"), 0);
        assert.deepEqual(ring.snippets("a.ts", 1000).map((s) => s.path), ["b.ts"]);
    });

    it("keeps snippets oldest first so new ones only append to the prompt head", () => {
        const ring = new ExtraContextRing({ linesAround: 0 });
        ring.add("a.ts", "alpha\n", 0);
        ring.add("b.ts", "beta\n", 0);
        ring.add("c.ts", "gamma\n", 0);
        assert.deepEqual(ring.snippets(undefined, 1000).map((s) => s.text), ["alpha", "beta", "gamma"]);
    });

    it("ignores a chunk it already holds without moving it", () => {
        const ring = new ExtraContextRing({ linesAround: 0 });
        ring.add("a.ts", "alpha\n", 0);
        ring.add("b.ts", "beta\n", 0);
        assert.equal(ring.add("a.ts", "alpha\n", 2), false);
        assert.deepEqual(ring.snippets(undefined, 1000).map((s) => s.path), ["a.ts", "b.ts"]);
    });

    it("replaces a chunk of the same place in the same file and moves it to the end", () => {
        const ring = new ExtraContextRing({ linesAround: 1 });
        const before = numbered(10);
        ring.add("a.ts", before, offsetOf(before, "line 5"));
        ring.add("b.ts", "beta\n", 0);
        const after = before.replace("line 5", "line five");
        assert.equal(ring.add("a.ts", after, offsetOf(after, "line five")), true);
        assert.deepEqual(ring.snippets(undefined, 1000), [
            { path: "b.ts", text: "beta" },
            { path: "a.ts", text: "line 4\nline five\nline 6" }
        ]);
    });

    it("compares ranges in file offsets when given slices of the file", () => {
        const ring = new ExtraContextRing({ linesAround: 1, similarity: 1 });
        const text = numbered(100);
        const offset = offsetOf(text, "line 50");
        ring.add("a.ts", text, offset);
        const edited = text.replace("line 50", "line fifty");
        // A slice starting 200 characters into the file: the chunk is the same place.
        assert.equal(ring.add("a.ts", edited.slice(200), offset - 200, 200), true);
        assert.deepEqual(ring.snippets(undefined, 1000), [{ path: "a.ts", text: "line 49\nline fifty\nline 51" }]);
        // Without the slice's start the ranges would not overlap and both chunks would stay.
        const other = new ExtraContextRing({ linesAround: 1, similarity: 1 });
        other.add("a.ts", text, offset);
        other.add("a.ts", edited.slice(200), offset - 200);
        assert.equal(other.size, 2);
    });

    it("keeps distant chunks of one file apart", () => {
        const ring = new ExtraContextRing({ linesAround: 1 });
        const text = numbered(100);
        ring.add("a.ts", text, offsetOf(text, "line 10"));
        ring.add("a.ts", text, offsetOf(text, "line 80"));
        assert.equal(ring.size, 2);
    });

    it("drops a near-copy of a snippet from another file", () => {
        const ring = new ExtraContextRing({ linesAround: 20, similarity: 0.9 });
        const shared = numbered(20, "shared");
        ring.add("a.ts", shared, 0);
        ring.add("b.ts", shared, 0);
        assert.deepEqual(ring.snippets(undefined, 10_000).map((s) => s.path), ["b.ts"]);
        // Half the lines in common is not a copy.
        ring.add("c.ts", numbered(10, "shared") + numbered(10, "other"), 0);
        assert.equal(ring.size, 2);
    });

    it("caps the number of snippets, dropping the oldest", () => {
        const ring = new ExtraContextRing({ maxSnippets: 3, linesAround: 0 });
        for (const name of ["a", "b", "c", "d", "e"])
            ring.add(`${name}.ts`, `${name} content\n`, 0);
        assert.deepEqual(ring.snippets(undefined, 1000).map((s) => s.path), ["c.ts", "d.ts", "e.ts"]);
    });

    it("caps the total characters, dropping the oldest", () => {
        const ring = new ExtraContextRing({ maxTotalChars: 25, linesAround: 0 });
        ring.add("a.ts", "a".repeat(10), 0);
        ring.add("b.ts", "b".repeat(10), 0);
        ring.add("c.ts", "c".repeat(10), 0);
        assert.equal(ring.totalChars, 20);
        assert.deepEqual(ring.snippets(undefined, 1000).map((s) => s.path), ["b.ts", "c.ts"]);
        assert.equal(new ExtraContextRing({ maxTotalChars: 5 }).add("x.ts", "too long for the ring", 0), false);
    });

    it("hands out the newest snippets that fit the prompt budget, oldest first", () => {
        const ring = new ExtraContextRing({ linesAround: 0 });
        for (const name of ["a", "b", "c", "d"])
            ring.add(`${name}.ts`, `${name}\n`, 0);
        const cost = formatSnippet({ path: "a.ts", text: "a" }).length;
        const picked = ring.snippets(undefined, cost * 2 + 1);
        assert.deepEqual(picked.map((s) => s.path), ["c.ts", "d.ts"]);
        assert.deepEqual(ring.snippets(undefined, 0), []);
    });

    it("ignores blank chunks", () => {
        const ring = new ExtraContextRing();
        assert.equal(ring.add("a.ts", "\n\n   \n\t\n", 2), false);
        assert.equal(ring.add("a.ts", "", 0), false);
        assert.equal(ring.size, 0);
    });

    it("strips the chunk's final line break, CRLF included", () => {
        const ring = new ExtraContextRing({ linesAround: 1 });
        const text = numbered(5, "line", "\r\n");
        ring.add("a.ts", text, offsetOf(text, "line 2"));
        assert.deepEqual(ring.snippets(undefined, 1000), [{ path: "a.ts", text: "line 1\r\nline 2\r\nline 3" }]);
    });

    it("takes a bounded chunk from a 5 MB single-line file, around the offset", () => {
        const ring = new ExtraContextRing({ maxSnippetChars: 1500 });
        const text = "x".repeat(2_000_000) + "HERE" + "y".repeat(3 * 1024 * 1024);
        ring.add("min.js", text, 2_000_000);
        assert.ok(ring.totalChars <= 1500 && ring.totalChars > 1000, `${ring.totalChars} characters kept`);
        assert.ok(ring.snippets(undefined, 10_000)[0].text.includes("HERE"));
    });

    it("forgets a path or everything", () => {
        const ring = new ExtraContextRing({ linesAround: 0 });
        ring.add("a.ts", "alpha\n", 0);
        ring.add("b.ts", "beta\n", 0);
        ring.deletePath("a.ts");
        assert.deepEqual(ring.snippets(undefined, 1000).map((s) => s.path), ["b.ts"]);
        assert.equal(ring.totalChars, 4);
        ring.clear();
        assert.equal(ring.size, 0);
        assert.equal(ring.totalChars, 0);
    });
});
