import { splitsPair } from "./textBoundaries";

/** Where a completion was asked for. */
export interface CompletionCacheKey {
    readonly uri: string;
    /** Cursor offset in the document. */
    readonly offset: number;
    /** Text before the cursor, whole or a window; only its last `prefixKeyChars` matter. */
    readonly prefix: string;
    /** Text after the cursor on the cursor line; only its first `suffixKeyChars` matter. */
    readonly lineSuffix: string;
}

export interface CompletionCacheOptions {
    /** Most completions kept over all documents; the least recently used goes first. Defaults to 100. */
    readonly maxEntries?: number;
    /** Most completions kept per document; bounds the work of one lookup. Defaults to 8. */
    readonly maxEntriesPerDocument?: number;
    /** Characters before the cursor that must match. Defaults to 500. */
    readonly prefixKeyChars?: number;
    /** Characters after the cursor that must match. Defaults to 200. */
    readonly suffixKeyChars?: number;
}

interface Entry {
    readonly uri: string;
    readonly offset: number;
    readonly prefixTail: string;
    readonly suffixHead: string;
    readonly completion: string;
    /** Characters right of the cursor the completion replaces (auto-inserted closers it contains). */
    readonly overwriteChars: number;
    /** Creation order: among equal matches the newest wins. */
    readonly id: number;
    /** Tick of the last store or hit, for per-document eviction. */
    used: number;
}

/**
 * Recent completions, so that typing through a suggestion (or deleting back into it) shows the rest
 * of it at once instead of asking the model again.
 *
 * A lookup reads only the entries of its document (at most `maxEntriesPerDocument`) and compares
 * keys of bounded length, so it costs the same in a 5 MB file as in a small one. An entry stored at
 * offset `o` with completion `c` answers a request at `o + d` when the `d` characters before the
 * cursor are the first `d` characters of `c` and the text before them is the stored prefix.
 */
export class CompletionCache {
    private readonly maxEntries: number;
    private readonly maxEntriesPerDocument: number;
    private readonly prefixKeyChars: number;
    private readonly suffixKeyChars: number;
    /** All entries by id, least recently used first (a Map keeps insertion order). */
    private readonly lru = new Map<number, Entry>();
    private readonly byDocument = new Map<string, Entry[]>();
    private nextId = 0;
    private tick = 0;

    public constructor(options: CompletionCacheOptions = {}) {
        this.maxEntries = Math.max(1, options.maxEntries ?? 100);
        this.maxEntriesPerDocument = Math.max(1, options.maxEntriesPerDocument ?? 8);
        this.prefixKeyChars = Math.max(0, options.prefixKeyChars ?? 500);
        this.suffixKeyChars = Math.max(0, options.suffixKeyChars ?? 200);
    }

    public get size(): number {
        return this.lru.size;
    }

    /**
     * The rest of a cached suggestion for the cursor at `key` (and the characters right of the cursor
     * it replaces), or undefined on a miss. A suggestion typed through to its end is a miss: there is
     * nothing left to show and the model should be asked.
     */
    public get(key: CompletionCacheKey): { readonly text: string; readonly overwriteChars: number } | undefined {
        const entries = this.byDocument.get(key.uri);
        if (entries === undefined)
            return undefined;
        const suffixHead = key.lineSuffix.slice(0, this.suffixKeyChars);
        let best: Entry | undefined;
        let bestTyped = Infinity;
        for (const entry of entries) {
            const typed = key.offset - entry.offset;
            if (typed < 0 || typed >= entry.completion.length || typed > key.prefix.length || typed > bestTyped)
                continue;
            if (typed === bestTyped && best !== undefined && best.id > entry.id)
                continue;
            const cut = key.prefix.length - typed;
            if (
                entry.suffixHead === suffixHead &&
                !splitsPair(entry.completion, typed) &&
                entry.completion.startsWith(key.prefix.slice(cut)) &&
                key.prefix.slice(Math.max(0, cut - this.prefixKeyChars), cut) === entry.prefixTail
            ) {
                best = entry;
                bestTyped = typed;
            }
        }
        if (best === undefined)
            return undefined;
        best.used = ++this.tick;
        this.lru.delete(best.id);
        this.lru.set(best.id, best);
        return { text: best.completion.slice(bestTyped), overwriteChars: best.overwriteChars };
    }

    /** Remembers `completion` for the cursor at `key`. Empty completions are not stored. */
    public set(key: CompletionCacheKey, completion: string, overwriteChars = 0): void {
        if (completion === "")
            return;
        const entry: Entry = {
            uri: key.uri,
            offset: key.offset,
            prefixTail: this.tail(key.prefix),
            suffixHead: key.lineSuffix.slice(0, this.suffixKeyChars),
            completion,
            overwriteChars,
            id: this.nextId++,
            used: ++this.tick
        };
        const entries = this.byDocument.get(key.uri) ?? [];
        for (const old of entries.filter(
            (candidate) =>
                candidate.offset === entry.offset &&
                candidate.prefixTail === entry.prefixTail &&
                candidate.suffixHead === entry.suffixHead
        ))
            this.delete(old);
        const current = this.byDocument.get(key.uri) ?? [];
        current.push(entry);
        this.byDocument.set(key.uri, current);
        this.lru.set(entry.id, entry);

        if (current.length > this.maxEntriesPerDocument)
            this.delete(this.leastRecentlyUsed(current));
        while (this.lru.size > this.maxEntries)
            this.delete(this.lru.values().next().value!);
    }

    /** Forgets a document's completions, e.g. when it is closed. */
    public deleteDocument(uri: string): void {
        for (const entry of this.byDocument.get(uri) ?? [])
            this.lru.delete(entry.id);
        this.byDocument.delete(uri);
    }

    public clear(): void {
        this.lru.clear();
        this.byDocument.clear();
    }

    private tail(prefix: string): string {
        return this.prefixKeyChars === 0 ? "" : prefix.slice(-this.prefixKeyChars);
    }

    private leastRecentlyUsed(entries: readonly Entry[]): Entry {
        return entries.reduce((oldest, entry) => (entry.used < oldest.used ? entry : oldest));
    }

    private delete(entry: Entry): void {
        this.lru.delete(entry.id);
        const entries = this.byDocument.get(entry.uri);
        if (entries === undefined)
            return;
        const index = entries.indexOf(entry);
        if (index >= 0)
            entries.splice(index, 1);
        if (entries.length === 0)
            this.byDocument.delete(entry.uri);
    }
}
