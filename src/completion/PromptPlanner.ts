import { lineAround, type DocumentView } from "./DocumentView";
import { buildPromptWindow } from "./buildPromptWindow";
import type { PromptBudget } from "./promptBudget";

/** A prompt as the backend takes it, plus where it came from in the document. */
export interface PlannedPrompt {
    /** Text before the cursor: the head (from `prefixStart` to the anchor), then the middle head. */
    readonly prefix: string;
    /** Characters at the end of `prefix` after the anchor; they go after the FIM middle token. */
    readonly middleChars: number;
    readonly suffix: string;
    /** Document offset where `prefix` starts. */
    readonly prefixStart: number;
    /** Whether the anchor of an earlier prompt in this document was kept (so its cached tokens are reused). */
    readonly reusedAnchor: boolean;
}

export interface PromptPlannerOptions {
    /**
     * Longest middle head, in characters: past it the anchor moves to the cursor line and the
     * prompt is laid out afresh (the suffix is processed again). Defaults to 1500.
     */
    readonly maxMiddleChars?: number;
    /** Documents whose anchors are remembered; the least recently used is forgotten. Defaults to 32. */
    readonly maxDocuments?: number;
}

interface Anchor {
    readonly prefixStart: number;
    readonly anchor: number;
    readonly head: string;
    readonly suffix: string;
}

/**
 * Cuts prompts so that typing re-processes as few tokens as possible, exactly.
 *
 * Code models with the PSM fill-in-the-middle layout read `<PRE>prefix<SUF>suffix<MID>`: a
 * keystroke at the cursor changes the end of the prefix, so every suffix token after it has to be
 * evaluated again (hundreds of tokens per key). Instead the prefix is split at an *anchor*, the
 * start of the line where the user began typing: the text before it goes before the suffix, the
 * text from the anchor to the cursor goes after `<MID>` (as llama-server's `/infill` does with its
 * `prompt` field). While the user types on — across new lines, through accepted suggestions — the
 * anchor stays put, the head and suffix stay identical, and the next prompt extends the previous one
 * by just the typed tokens. The anchor moves when the user edits before it or after the cursor,
 * jumps elsewhere, or the middle head outgrows {@link PromptPlannerOptions.maxMiddleChars}.
 */
export class PromptPlanner {
    private readonly maxMiddleChars: number;
    private readonly maxDocuments: number;
    private readonly anchors = new Map<string, Anchor>();

    public constructor(options: PromptPlannerOptions = {}) {
        this.maxMiddleChars = Math.max(0, options.maxMiddleChars ?? 1500);
        this.maxDocuments = Math.max(1, options.maxDocuments ?? 32);
    }

    public plan(document: DocumentView, offset: number, budget: PromptBudget): PlannedPrompt {
        const kept = this.anchors.get(document.uri);
        if (kept != null && offset >= kept.anchor && offset - kept.anchor <= this.maxMiddleChars &&
            document.getText(offset, offset + kept.suffix.length) === kept.suffix &&
            document.getText(kept.prefixStart, kept.anchor) === kept.head) {
            this.touch(document.uri, kept);
            const middle = document.getText(kept.anchor, offset);
            return { prefix: kept.head + middle, middleChars: middle.length, suffix: kept.suffix, prefixStart: kept.prefixStart, reusedAnchor: true };
        }
        const start = Math.max(0, offset - budget.prefixChars - 2);
        const window = buildPromptWindow({
            text: document.getText(start, offset + budget.suffixChars + 2),
            offset: offset - start,
            maxPrefixChars: budget.prefixChars,
            maxSuffixChars: budget.suffixChars,
            maxExtraContextChars: 0
        });
        const prefixStart = start + window.prefixStart;
        const anchor = Math.max(prefixStart, lineAround(document, offset, Math.max(1, offset - prefixStart)).lineStart);
        const head = window.prefix.slice(0, anchor - prefixStart);
        this.touch(document.uri, { prefixStart, anchor, head, suffix: window.suffix });
        return { prefix: window.prefix, middleChars: offset - anchor, suffix: window.suffix, prefixStart, reusedAnchor: false };
    }

    public forget(uri: string): void {
        this.anchors.delete(uri);
    }

    public clear(): void {
        this.anchors.clear();
    }

    private touch(uri: string, anchor: Anchor): void {
        this.anchors.delete(uri);
        this.anchors.set(uri, anchor);
        if (this.anchors.size > this.maxDocuments)
            this.anchors.delete(this.anchors.keys().next().value!);
    }
}
