import type { Token } from "../llamaTypes";

/** Marks the boundary between two documents in the ring; never equal to a token. */
const separator = -1;
const noPosition = -1;
/** Tokens of a shared head kept before the part of a document that changed. */
const headContext = 64;

export interface PoolOptions {
    /** Tokens remembered; the oldest are forgotten first. A power of two. Defaults to 262 144 (about 4 MB in all). */
    readonly capacity?: number;
    /** Length of the hashed n-gram a lookup starts from. Defaults to 4. */
    readonly order?: number;
    /** Earlier occurrences of that n-gram compared per lookup. Defaults to 32. */
    readonly maxCandidates?: number;
}

export interface PoolMatch {
    /** What followed the match in the pool, up to the asked length (empty when nothing matched). */
    readonly tokens: Token[];
    /** How many tokens before the cursor agree with the pool there (capped at 64). */
    readonly matchLength: number;
}

/**
 * A bounded memory of token sequences that outlives a request: the prompts earlier requests saw
 * (the file around the cursor, the other files in their extra context) and what was generated for
 * them. A lookup finds the longest earlier occurrence of the text before the cursor and returns
 * what followed it there.
 *
 * Layout: a ring of `capacity` tokens (documents separated by a marker), a hash table from each
 * n-gram to the most recent position where it ends, and per position a link to the previous position
 * with the same hash — so a lookup walks the n-gram's occurrences newest first, and memory is fixed
 * whatever is added. Positions are absolute; one older than `written − capacity` has been overwritten.
 */
export class TokenPool {
    private readonly capacity: number;
    private readonly order: number;
    private readonly maxCandidates: number;
    private readonly tokens: Int32Array;
    private readonly previous: Float64Array;
    private readonly heads: Float64Array;
    private written = 0;
    /** Tokens since the last separator (n-grams never span two documents). */
    private run = 0;
    /** The last document added, to skip the head the next one shares with it. */
    private lastDocument: Int32Array | undefined;
    /** Where that head was last stored in full: heads are stored again before the ring overwrites them. */
    private headStoredAt = 0;

    public constructor(options: PoolOptions = {}) {
        this.capacity = options.capacity ?? 1 << 18;
        if (!Number.isInteger(Math.log2(this.capacity)))
            throw new Error(`TokenPool capacity must be a power of two, got ${this.capacity}`);
        this.order = options.order ?? 4;
        this.maxCandidates = options.maxCandidates ?? 32;
        this.tokens = new Int32Array(this.capacity).fill(separator);
        this.previous = new Float64Array(this.capacity).fill(noPosition);
        this.heads = new Float64Array(Math.max(1024, this.capacity >> 1)).fill(noPosition);
    }

    /** Positions written so far, separators included (the ring holds the last `capacity` of them). */
    public get length(): number {
        return this.written;
    }

    public clear(): void {
        this.tokens.fill(separator);
        this.previous.fill(noPosition);
        this.heads.fill(noPosition);
        this.written = 0;
        this.run = 0;
        this.lastDocument = undefined;
        this.headStoredAt = 0;
    }

    /**
     * Remembers a document. When it starts like the previous one (the same file a keystroke later),
     * only what follows the shared head is added, with 64 tokens of the head before it so matches
     * there keep their context: a user typing does not fill the pool with copies of one file.
     */
    public add(document: readonly Token[]): void {
        const previous = this.lastDocument;
        let shared = 0;
        if (previous != null && this.written - this.headStoredAt < this.capacity / 2)
            while (shared < previous.length && shared < document.length && previous[shared] === document[shared])
                shared++;
        this.lastDocument = Int32Array.from(document);
        if (previous != null && shared === document.length && shared === previous.length)
            return;
        const from = Math.max(0, shared - headContext);
        this.append(separator);
        if (from === 0)
            this.headStoredAt = this.written;
        for (let i = from; i < document.length; i++)
            this.append(document[i]);
    }

    /**
     * Up to `max` tokens that followed the longest earlier occurrence of `history`'s end, if that
     * occurrence is at least `minMatch` tokens long (and at least the hashed n-gram's length).
     */
    public lookup(history: readonly Token[], max: number, minMatch: number): PoolMatch {
        const end = history.length;
        const order = this.order;
        if (end < order || max <= 0 || this.written === 0)
            return { tokens: [], matchLength: 0 };
        const oldest = this.written - this.capacity;
        let position = this.heads[this.bucket(history, end - order)];
        let bestPosition = noPosition;
        let bestLength = 0;
        for (let candidates = 0; position !== noPosition && position >= oldest && candidates < this.maxCandidates; candidates++) {
            // A continuation must exist: the match cannot end at the newest token or a document's end.
            if (position + 1 < this.written && this.at(position + 1) !== separator) {
                let length = 0;
                while (length < 64 && end - 1 - length >= 0 && position - length >= oldest && position - length >= 0 &&
                    this.at(position - length) === history[end - 1 - length])
                    length++;
                if (length > bestLength) {
                    bestLength = length;
                    bestPosition = position;
                }
            }
            position = this.previous[position & (this.capacity - 1)];
        }
        if (bestPosition === noPosition || bestLength < Math.max(minMatch, order))
            return { tokens: [], matchLength: 0 };
        const tokens: Token[] = [];
        for (let at = bestPosition + 1; at < this.written && tokens.length < max; at++) {
            const token = this.at(at);
            if (token === separator)
                break;
            tokens.push(token as Token);
        }
        return { tokens, matchLength: bestLength };
    }

    private at(position: number): number {
        return this.tokens[position & (this.capacity - 1)];
    }

    private append(token: number): void {
        const slot = this.written & (this.capacity - 1);
        this.tokens[slot] = token;
        this.previous[slot] = noPosition;
        if (token === separator)
            this.run = 0;
        else if (++this.run >= this.order) {
            const bucket = this.bucketAt(this.written - this.order + 1);
            this.previous[slot] = this.heads[bucket];
            this.heads[bucket] = this.written;
        }
        this.written++;
    }

    /** Hash bucket of the n-gram starting at `history[from]`. */
    private bucket(history: readonly Token[], from: number): number {
        let hash = 0x811c9dc5;
        for (let i = 0; i < this.order; i++)
            hash = Math.imul(hash ^ history[from + i], 0x01000193);
        return ((hash ^ (hash >>> 15)) >>> 0) % this.heads.length;
    }

    /** Hash bucket of the n-gram starting at absolute position `from` in the ring. */
    private bucketAt(from: number): number {
        let hash = 0x811c9dc5;
        for (let i = 0; i < this.order; i++)
            hash = Math.imul(hash ^ this.at(from + i), 0x01000193);
        return ((hash ^ (hash >>> 15)) >>> 0) % this.heads.length;
    }
}
