/**
 * How a language writes comments and strings, as far as matching brackets needs to know: a `)` in
 * a comment, a string, a regex literal or a `"""` docstring closes nothing.
 */
export interface CodeSyntax {
    readonly lineComment?: "//" | "#";
    readonly blockComment: boolean;
    /** Single-line string quotes with backslash escapes. */
    readonly quotes: string;
    /** Python's `"""` / `'''` (also Kotlin's, Swift's and Java's `"""`). */
    readonly tripleQuotes: boolean;
    /** JavaScript's `/…/` regex literals. */
    readonly regexLiterals: boolean;
    /** "template": JavaScript template literals with `${…}`; "raw": Go raw strings; undefined: an ordinary quote or none. */
    readonly backtick?: "template" | "raw";
}

const javascriptLike: CodeSyntax = { lineComment: "//", blockComment: true, quotes: "\"'", tripleQuotes: false, regexLiterals: true, backtick: "template" };
const cLike: CodeSyntax = { lineComment: "//", blockComment: true, quotes: "\"'", tripleQuotes: false, regexLiterals: false };
const hashComments: CodeSyntax = { lineComment: "#", blockComment: false, quotes: "\"'", tripleQuotes: false, regexLiterals: false };
/** Unknown languages: quotes only, as the cleaner always did. */
const plain: CodeSyntax = { blockComment: false, quotes: "\"'`", tripleQuotes: true, regexLiterals: false };

const byLanguage: Record<string, CodeSyntax> = {
    javascript: javascriptLike, javascriptreact: javascriptLike, typescript: javascriptLike, typescriptreact: javascriptLike,
    vue: javascriptLike, svelte: javascriptLike,
    c: cLike, cpp: cLike, csharp: cLike, objectivec: cLike, "objective-c": cLike, php: cLike, dart: cLike, groovy: cLike,
    java: { ...cLike, tripleQuotes: true }, kotlin: { ...cLike, tripleQuotes: true }, scala: { ...cLike, tripleQuotes: true },
    swift: { ...cLike, tripleQuotes: true },
    // Rust's `'a` lifetimes are not quotes.
    rust: { ...cLike, quotes: "\"" },
    go: { ...cLike, backtick: "raw" },
    python: { ...hashComments, tripleQuotes: true },
    ruby: hashComments, shellscript: hashComments, perl: hashComments, r: hashComments, yaml: hashComments, toml: hashComments,
    makefile: hashComments, dockerfile: hashComments, powershell: hashComments, elixir: hashComments, coffeescript: hashComments
};

/** The syntax of a VS Code language id; unknown or missing ids get quotes only. */
export function syntaxFor(languageId: string | undefined): CodeSyntax {
    return (languageId !== undefined ? byLanguage[languageId] : undefined) ?? plain;
}

const CLOSER_OF: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
/** Words after which `/` starts a regex literal rather than a division. */
const BEFORE_REGEX_WORDS = /(?:^|[^\w$])(?:return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/;

/** Something open at the scan position: a bracket, a string, a template's `${`, a block comment. */
export interface OpenFrame {
    readonly kind: "bracket" | "string" | "template" | "interpolation" | "blockComment";
    /** The text that closes it: `)`, `"`, `"""`, `` ` ``, `}`, `*​/`. */
    readonly closer: string;
    /** Whether a backslash escapes the next character (strings). */
    readonly escapes?: boolean;
}

/**
 * A left-to-right scan that matches brackets and skips comments, strings and regex literals. Fed one
 * piece at a time (line breaks included); `unmatched` counts closing brackets that closed nothing.
 */
export class BracketScanner {
    public readonly stack: OpenFrame[] = [];
    public unmatched = 0;
    private inLineComment = false;
    /** The last non-space character outside comments, strings and regexes (decides what `/` means). */
    private previousCode = "";
    private recentWord = "";

    public constructor(private readonly syntax: CodeSyntax, initial: readonly OpenFrame[] = []) {
        this.stack.push(...initial);
    }

    /**
     * Scans `text`. `onClose` hears of every frame that closes, with the index of the closer's last
     * character in `text` and how many frames are open after it.
     */
    public feed(text: string, onClose?: (index: number, depth: number) => void): this {
        const { syntax } = this;
        const pop = (index: number): void => {
            this.pop();
            onClose?.(index, this.stack.length);
        };
        for (let i = 0; i < text.length; i++) {
            const char = text[i];
            if (char === "\n") {
                this.inLineComment = false;
                // Single-line strings end at the line break.
                const top = this.top;
                if (top?.kind === "string" && top.closer.length === 1 && top.closer !== "`")
                    pop(i);
                continue;
            }
            if (this.inLineComment)
                continue;
            const top = this.top;
            if (top !== undefined && (top.kind === "string" || top.kind === "template" || top.kind === "blockComment")) {
                if (top.escapes === true && char === "\\") {
                    i++;
                    continue;
                }
                if (top.kind === "template" && char === "$" && text[i + 1] === "{") {
                    this.push({ kind: "interpolation", closer: "}" });
                    i++;
                    continue;
                }
                if (text.startsWith(top.closer, i)) {
                    i += top.closer.length - 1;
                    pop(i);
                    this.previousCode = top.kind === "blockComment" ? this.previousCode : "\"";
                    this.recentWord = "";
                }
                continue;
            }
            if (/\s/.test(char))
                continue;
            if (syntax.lineComment !== undefined && text.startsWith(syntax.lineComment, i)) {
                this.inLineComment = true;
                continue;
            }
            if (syntax.blockComment && text.startsWith("/*", i)) {
                this.push({ kind: "blockComment", closer: "*/" });
                i++;
                continue;
            }
            if (syntax.regexLiterals && char === "/") {
                const end = this.regexEnd(text, i);
                if (end > i) {
                    i = end;
                    this.previousCode = "/";
                    this.recentWord = "";
                    continue;
                }
            }
            if (syntax.tripleQuotes && (text.startsWith("\"\"\"", i) || text.startsWith("'''", i))) {
                this.push({ kind: "string", closer: text.slice(i, i + 3), escapes: true });
                i += 2;
                continue;
            }
            if (char === "`" && syntax.backtick !== undefined) {
                this.push(syntax.backtick === "template" ? { kind: "template", closer: "`", escapes: true } : { kind: "string", closer: "`" });
                continue;
            }
            if (syntax.quotes.includes(char)) {
                this.push({ kind: "string", closer: char, escapes: true });
                continue;
            }
            if (char in CLOSER_OF)
                this.push({ kind: "bracket", closer: CLOSER_OF[char] });
            else if (char === ")" || char === "]" || char === "}")
                if (top !== undefined && (top.kind === "bracket" || top.kind === "interpolation") && top.closer === char)
                    pop(i);
                else
                    this.unmatched++;
            this.recentWord = /[\w$]/.test(char) ? this.recentWord + char : "";
            this.previousCode = char;
        }
        return this;
    }

    private get top(): OpenFrame | undefined {
        return this.stack[this.stack.length - 1];
    }

    private push(frame: OpenFrame): void {
        this.stack.push(frame);
    }

    private pop(): void {
        this.stack.pop();
    }

    /** End index of a regex literal starting at `start`, or -1 when the `/` is a division. */
    private regexEnd(text: string, start: number): number {
        const before = this.previousCode;
        const startsExpression = before === "" || "(,=:[!&|?{};+-*%<>~^".includes(before) ||
            (/[\w$]/.test(before) && BEFORE_REGEX_WORDS.test(this.recentWord));
        if (!startsExpression || text[start + 1] === "/" || text[start + 1] === "*")
            return -1;
        let inClass = false;
        for (let i = start + 1; i < text.length && text[i] !== "\n"; i++) {
            const char = text[i];
            if (char === "\\")
                i++;
            else if (char === "[")
                inClass = true;
            else if (char === "]")
                inClass = false;
            else if (char === "/" && !inClass) {
                let end = i;
                while (/[a-z]/.test(text[end + 1] ?? ""))
                    end++;
                return end;
            }
        }
        return -1;
    }
}

/** Docstrings and block comments: a line often opens one that ends lines later. */
export function spansLines(frame: OpenFrame): boolean {
    return frame.kind === "blockComment" || (frame.kind === "string" && frame.closer.length > 1);
}

/** What the lines before the cursor line leave open (brackets, a docstring, a template literal). */
export function openAfter(lines: readonly string[], syntax: CodeSyntax): OpenFrame[] {
    const scanner = new BracketScanner(syntax);
    for (const line of lines)
        scanner.feed(line).feed("\n");
    return [...scanner.stack];
}
