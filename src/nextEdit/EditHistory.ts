import { changedLines, recentEditOf, splitLines, type RecentEdit } from "./nextEditPrompt";

interface Entry {
    readonly path: string;
    /** The document before this edit began. */
    readonly before: string;
    /** The document after its latest change. */
    after: string;
    /** Lines [first, endAfter) of `after` that the edit changed. */
    first: number;
    endAfter: number;
}

/**
 * The user's recent edits, as snapshots of the document before and after each. Keystrokes on the
 * same lines make one edit (typing a name letter by letter is one rename); a change elsewhere, or to
 * another document, starts the next. The next-edit prompt shows the last few as original/updated
 * hunks, and the window before the last edit as its "original" block.
 */
export class EditHistory {
    private readonly entries: Entry[] = [];

    /** @param maxEdits edits kept (and shown); the fixture format was trained with one. */
    public constructor(private readonly maxEdits = 1) {}

    /** Records one change of a document, given its whole text before and after. */
    public record(path: string, before: string, after: string): void {
        if (before === after)
            return;
        const beforeLines = splitLines(before);
        const afterLines = splitLines(after);
        const span = changedLines(beforeLines, afterLines);
        const last = this.entries[this.entries.length - 1];
        // The change touches the lines the last edit changed (in the same document, as it was).
        if (last != null && last.path === path && last.after === before && span.first <= last.endAfter && span.endBefore >= last.first) {
            last.after = after;
            const merged = changedLines(splitLines(last.before), afterLines);
            last.first = merged.first;
            last.endAfter = merged.endAfter;
            if (last.before === last.after)
                this.entries.pop();
            return;
        }
        this.entries.push({ path, before, after, first: span.first, endAfter: span.endAfter });
        while (this.entries.length > this.maxEdits)
            this.entries.shift();
    }

    /** The recent edits, oldest first, as changed-line hunks. */
    public edits(): RecentEdit[] {
        const out: RecentEdit[] = [];
        for (const entry of this.entries) {
            const edit = recentEditOf(entry.path, entry.before, entry.after);
            if (edit != null)
                out.push(edit);
        }
        return out;
    }

    /**
     * The document before the last edit, when that edit was to `path` and left the text as `current`
     * (otherwise the window shows no change: original = current).
     */
    public originalOf(path: string, current: string): string | undefined {
        const last = this.entries[this.entries.length - 1];
        return last != null && last.path === path && last.after === current ? last.before : undefined;
    }

    public clear(): void {
        this.entries.length = 0;
    }
}
