// Reading a next-edit suggestion off the page. Specula shows an edit away from the cursor with two
// editor decorations (src/vscode/NextEditController.ts): the replaced text struck through
// (`text-decoration: line-through`) and the new text as the `after` content of an empty decoration at
// the replaced range's end (line breaks shown as "⏎"). VS Code renders both as spans with `ced-…`
// classes inside `.view-lines`; the `after` text is a CSS `::after` content, not in textContent.

/** What the page shows of a next-edit suggestion (empty lists when none). */
export interface ShownNextEdit {
    /** The new texts (the decorations' `after` contents), in document order, "⏎" for line breaks. */
    readonly inserted: string[];
    /** The struck-through text of each visible line that has some, in order. */
    readonly struck: string[];
}

/**
 * Runs IN THE PAGE (self-contained: pass it to `page.evaluate`, or inline its source): the
 * next-edit decorations of the active editor.
 */
export function readNextEditDecorations(): ShownNextEdit {
    const editor = document.querySelector(".editor-instance .monaco-editor");
    if (editor == null)
        return { inserted: [], struck: [] };
    const lines = Array.from(editor.querySelectorAll(".view-lines .view-line"))
        .map((line) => ({ line, top: parseFloat((line as HTMLElement).style.top) || 0 }))
        .sort((a, b) => a.top - b.top);
    const inserted: string[] = [];
    const struck: string[] = [];
    for (const { line } of lines) {
        let struckHere = "";
        for (const span of Array.from(line.querySelectorAll("span[class*='ced-']"))) {
            const after = getComputedStyle(span, "::after").content;
            // A CSS string: "…" with \" and \\ escaped.
            if (after.startsWith("\"") && after.length > 2)
                inserted.push(after.slice(1, -1).replace(/\\(.)/g, "$1"));
            if (getComputedStyle(span).textDecorationLine.includes("line-through"))
                struckHere += span.textContent ?? "";
        }
        if (struckHere !== "")
            struck.push(struckHere.replace(/\u00a0/g, " "));
    }
    return { inserted, struck };
}
