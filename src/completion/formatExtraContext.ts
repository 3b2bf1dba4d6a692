import type { ContextSnippet } from "./SuggestionTypes";

// Extra context is plain text with a `path:` header per snippet: no comment syntax, because a
// `// path` header is wrong in Python, HTML or SQL and the model would imitate it.

/** One snippet as it appears in the prompt: `path: a/b.ts\n<text>\n`. */
export function formatSnippet(snippet: ContextSnippet): string {
    // A line break inside the path would forge a second header line.
    const path = snippet.path.replace(/[\r\n]+/g, " ");
    const text = snippet.text.endsWith("\n") ? snippet.text : snippet.text + "\n";
    return `path: ${path}\n${text}`;
}

/**
 * The snippets that fit in `maxChars` once formatted, in their original order.
 *
 * Callers pass snippets oldest first, so new ones append at the end and the prompt head stays the
 * same across keystrokes (KV cache reuse). When the budget is short, the newest snippets win
 * (they are the likeliest to matter); one that does not fit is skipped whole rather than cut,
 * because half a function misleads more than it helps.
 */
export function selectSnippets(snippets: readonly ContextSnippet[], maxChars: number): ContextSnippet[] {
    const kept: ContextSnippet[] = [];
    let left = Math.max(0, maxChars);
    for (let i = snippets.length - 1; i >= 0 && left > 0; i--) {
        const snippet = snippets[i];
        const cost = formatSnippet(snippet).length;
        if (cost <= left) {
            kept.push(snippet);
            left -= cost;
        }
    }
    return kept.reverse();
}

/** The extra-context block placed before the prefix, at most `maxChars` long. */
export function formatExtraContext(snippets: readonly ContextSnippet[], maxChars: number): string {
    return selectSnippets(snippets, maxChars).map(formatSnippet).join("");
}
