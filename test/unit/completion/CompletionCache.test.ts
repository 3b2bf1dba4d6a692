import * as assert from "node:assert/strict";
import { CompletionCache, type CompletionCacheKey } from "../../../src/completion/CompletionCache";

const uri = "file:///a.ts";

/** The cache key for a cursor at the end of `prefix` in document `documentUri`. */
function at(prefix: string, lineSuffix = "", documentUri = uri): CompletionCacheKey {
    return { uri: documentUri, offset: prefix.length, prefix, lineSuffix };
}

describe("CompletionCache", () => {
    const base = "function add(a, b) {\n    return ";

    it("returns a stored completion at the same position", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        assert.equal(cache.get(at(base))?.text, "a + b;");
    });

    it("misses before anything is stored and for other documents", () => {
        const cache = new CompletionCache();
        assert.equal(cache.get(at(base))?.text, undefined);
        cache.set(at(base), "a + b;");
        assert.equal(cache.get(at(base, "", "file:///b.ts"))?.text, undefined);
    });

    it("returns the rest of the suggestion while the user types through it", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        assert.equal(cache.get(at(base + "a"))?.text, " + b;");
        assert.equal(cache.get(at(base + "a +"))?.text, " b;");
        assert.equal(cache.get(at(base + "a + b"))?.text, ";");
    });

    it("misses once the user types something else", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        assert.equal(cache.get(at(base + "b"))?.text, undefined);
        assert.equal(cache.get(at(base + "a -"))?.text, undefined);
    });

    it("misses when the suggestion has been typed to its end", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        assert.equal(cache.get(at(base + "a + b;"))?.text, undefined);
    });

    it("serves again after deleting back to a position inside the suggestion", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        assert.equal(cache.get(at(base + "a + "))?.text, "b;");
        assert.equal(cache.get(at(base + "a"))?.text, " + b;");
        assert.equal(cache.get(at(base))?.text, "a + b;");
    });

    it("serves an earlier position after deleting back before a newer request", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        cache.set(at(base + "x"), "y;");
        assert.equal(cache.get(at(base + "x"))?.text, "y;");
        assert.equal(cache.get(at(base))?.text, "a + b;", "deleted the x");
        assert.equal(cache.get(at(base.slice(0, -1)))?.text, undefined, "deleted before any cached position");
    });

    it("prefers the entry nearest the cursor", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        cache.set(at(base + "a"), " + 2 * b;");
        assert.equal(cache.get(at(base + "a +"))?.text, " 2 * b;");
    });

    it("misses when the text before the cached position changed", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        const edited = base.replace("add", "sub");
        assert.equal(cache.get(at(edited))?.text, undefined);
        assert.equal(cache.get(at(edited + "a"))?.text, undefined);
    });

    it("misses when the text after the cursor on the line differs", () => {
        const cache = new CompletionCache();
        cache.set(at("foo(", ")"), "a, b");
        assert.equal(cache.get(at("foo(", ")"))?.text, "a, b");
        assert.equal(cache.get(at("foo(a", ")"))?.text, ", b");
        assert.equal(cache.get(at("foo(", "))"))?.text, undefined);
    });

    it("types through a line break of a multi-line suggestion", () => {
        const cache = new CompletionCache();
        cache.set(at("if (x) {"), "\n    run();\n}");
        assert.equal(cache.get(at("if (x) {\n    "))?.text, "run();\n}");
        assert.equal(cache.get(at("if (x) {\n  "))?.text, "  run();\n}", "part of the indentation typed");
        assert.equal(cache.get(at("if (x) {\n\t"))?.text, undefined, "different indentation typed");
    });

    it("never returns half of a surrogate pair", () => {
        const cache = new CompletionCache();
        cache.set(at("s = '"), "😀'");
        assert.equal(cache.get(at("s = '\uD83D"))?.text, undefined);
        assert.equal(cache.get(at("s = '😀"))?.text, "'");
    });

    it("ignores empty completions", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "");
        assert.equal(cache.size, 0);
        assert.equal(cache.get(at(base))?.text, undefined);
    });

    it("replaces the completion stored at the same position", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        cache.set(at(base), "b + a;");
        assert.equal(cache.size, 1);
        assert.equal(cache.get(at(base))?.text, "b + a;");
    });

    it("evicts the least recently used entry", () => {
        const cache = new CompletionCache({ maxEntries: 2 });
        cache.set(at("one", "", "file:///1"), "1");
        cache.set(at("two", "", "file:///2"), "2");
        assert.equal(cache.get(at("one", "", "file:///1"))?.text, "1", "touch the first");
        cache.set(at("three", "", "file:///3"), "3");
        assert.equal(cache.size, 2);
        assert.equal(cache.get(at("two", "", "file:///2"))?.text, undefined);
        assert.equal(cache.get(at("one", "", "file:///1"))?.text, "1");
        assert.equal(cache.get(at("three", "", "file:///3"))?.text, "3");
    });

    it("caps the entries of one document", () => {
        const cache = new CompletionCache({ maxEntries: 100, maxEntriesPerDocument: 3 });
        for (let i = 0; i < 5; i++)
            cache.set(at(`line ${i} `), `completion ${i}`);
        cache.set(at("other", "", "file:///b.ts"), "b");
        assert.equal(cache.size, 4);
        assert.equal(cache.get(at("line 0 "))?.text, undefined);
        assert.equal(cache.get(at("line 1 "))?.text, undefined);
        assert.equal(cache.get(at("line 4 "))?.text, "completion 4");
        assert.equal(cache.get(at("other", "", "file:///b.ts"))?.text, "b");
    });

    it("compares only a bounded window of a huge prefix", () => {
        const cache = new CompletionCache({ prefixKeyChars: 500 });
        const huge = "x".repeat(5 * 1024 * 1024);
        cache.set(at(huge), "abc");
        // Built once: a concatenated string is flattened (copied) on first use, as a document's
        // text from the editor already is.
        const typed = at(huge + "a");
        assert.equal(cache.get(typed)?.text, "bc");
        const started = performance.now();
        for (let i = 0; i < 100; i++)
            assert.equal(cache.get(typed)?.text, "bc");
        const elapsed = performance.now() - started;
        assert.ok(elapsed < 50, `100 lookups took ${elapsed.toFixed(1)} ms`);
        // The window is what counts: a change far before the cursor is not seen.
        const farEdit = "y" + huge.slice(1);
        assert.equal(cache.get(at(farEdit + "a"))?.text, "bc");
        const nearEdit = huge.slice(0, -10) + "y" + huge.slice(-9);
        assert.equal(cache.get(at(nearEdit + "a"))?.text, undefined);
    });

    it("forgets a document or everything", () => {
        const cache = new CompletionCache();
        cache.set(at(base), "a + b;");
        cache.set(at(base, "", "file:///b.ts"), "b");
        cache.deleteDocument(uri);
        assert.equal(cache.get(at(base))?.text, undefined);
        assert.equal(cache.size, 1);
        cache.clear();
        assert.equal(cache.size, 0);
        assert.equal(cache.get(at(base, "", "file:///b.ts"))?.text, undefined);
    });

    it("keeps how many characters right of the cursor a suggestion replaces", () => {
        const cache = new CompletionCache();
        cache.set(at("foo(", ")"), "a, b)", 1);
        assert.deepEqual(cache.get(at("foo(", ")")), { text: "a, b)", overwriteChars: 1 });
        assert.deepEqual(cache.get(at("foo(a", ")")), { text: ", b)", overwriteChars: 1 });
    });
});

