// How a replacement is drawn (issue 22, item 1). A predicted edit is one TextEdit, from the first to
// the last character the model changed, so a rename carried to two lines replaces everything between
// them; drawn as one struck-through range and one line of new text ("⏎" for line breaks) it is hard to
// read, and a long one is cut. When the replaced text and the new text have the same number of lines,
// it is drawn line by line instead: each changed line's own change, without what the line keeps at
// either end. Applying every hunk gives the text applying the edit gives. Display only: Tab applies
// the edit as predicted.
import type { TextEdit } from "./nextEditOutput";

/** The edit as per-line hunks in `document`'s offsets, in order; the edit itself when its line count changes. */
export function displayHunks(document: string, edit: TextEdit): TextEdit[] {
    const oldLines = document.slice(edit.start, edit.end).split("\n");
    const newLines = edit.text.split("\n");
    if (oldLines.length !== newLines.length)
        return [edit];
    const hunks: TextEdit[] = [];
    let offset = edit.start;
    for (const [index, before] of oldLines.entries()) {
        const after = newLines[index]!;
        if (before !== after) {
            let prefix = 0;
            while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix])
                prefix++;
            let suffix = 0;
            while (suffix < before.length - prefix && suffix < after.length - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix])
                suffix++;
            hunks.push({ start: offset + prefix, end: offset + before.length - suffix, text: after.slice(prefix, after.length - suffix) });
        }
        offset += before.length + 1;
    }
    return hunks.length > 0 ? hunks : [edit];
}
