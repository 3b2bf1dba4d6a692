// Issue 6, documents and privacy, without VS Code: randomised checks that the prompt window and the
// output cleaner never split a surrogate pair or a CRLF and stay within budget, and static checks
// that only the model downloader can reach the network and nothing sends telemetry.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildPromptWindow } from "../../../src/completion/buildPromptWindow";
import { cleanCompletion } from "../../../src/completion/cleanCompletion";
import { SeededRandom } from "../../../src/engine/SeededRandom";

const repository = path.resolve(__dirname, "..", "..", "..", "..");

// Pieces a document or a model output is made of: ASCII code, tabs and spaces, CRLF and LF, astral
// characters (surrogate pairs), combining marks and ZWJ sequences.
const pieces = ["a", "x", "const ", "(", ")", "{", "}", ";", " ", "    ", "\t", "\n", "\r\n", "😀", "𝔘", "e\u0301", "\u0301", "👩\u200d💻", "é", "中"];

function randomText(random: SeededRandom, length: number): string {
    let text = "";
    while (text.length < length)
        text += pieces[Math.floor(random.next() * pieces.length)]!;
    return text;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Cursor offsets the editor can produce: never inside a surrogate pair or a CRLF. */
function validOffsets(text: string): number[] {
    const offsets: number[] = [];
    for (let index = 0; index <= text.length; index++) {
        const before = text.charCodeAt(index - 1);
        const after = text.charCodeAt(index);
        if ((before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff) || (before === 13 && after === 10))
            continue;
        offsets.push(index);
    }
    return offsets;
}

describe("reliability: text at the cursor and in the ghost text", () => {
    it("the prompt window never splits a surrogate pair or a CRLF and stays within its budget (20 000 random cases)", () => {
        const random = new SeededRandom(6);
        let cases = 0;
        for (let round = 0; round < 400; round++) {
            const text = randomText(random, 20 + Math.floor(random.next() * 600));
            const offsets = validOffsets(text);
            for (let pick = 0; pick < 50; pick++) {
                const offset = pick === 0 ? 0 : pick === 1 ? text.length : offsets[Math.floor(random.next() * offsets.length)]!;
                const maxPrefixChars = 1 + Math.floor(random.next() * 200);
                const maxSuffixChars = Math.floor(random.next() * 80);
                const window = buildPromptWindow({ text, offset, maxPrefixChars, maxSuffixChars, maxExtraContextChars: 0 });
                assert.equal(window.prefix + window.suffix, text.slice(window.prefixStart, window.suffixEnd));
                assert.ok(window.prefix.length <= maxPrefixChars, `prefix ${window.prefix.length} > ${maxPrefixChars}`);
                assert.ok(window.suffix.length <= maxSuffixChars, `suffix ${window.suffix.length} > ${maxSuffixChars}`);
                for (const part of [window.prefix, window.suffix])
                    assert.doesNotMatch(part, loneSurrogate, JSON.stringify({ text, offset }));
                assert.ok(!(window.prefix.endsWith("\r") && window.suffix.startsWith("\n")), "cursor inside a CRLF");
                assert.ok(!(text[window.suffixEnd - 1] === "\r" && text[window.suffixEnd] === "\n"), "suffix ends inside a CRLF");
                assert.ok(!(text[window.prefixStart - 1] === "\r" && text[window.prefixStart] === "\n"), "prefix starts inside a CRLF");
                cases++;
            }
        }
        console.log(`      ${cases} prompt windows checked`);
    });

    it("ghost text never holds half a character and uses the document's line breaks (20 000 random outputs)", () => {
        const random = new SeededRandom(66);
        let cases = 0;
        let shown = 0;
        for (let round = 0; round < 20_000; round++) {
            // Raw model output, cut at a token limit or a stop string: half a surrogate pair at either
            // end, or the U+FFFD an incomplete UTF-8 sequence decodes to at the end.
            const body = randomText(random, 1 + Math.floor(random.next() * 120));
            const raw = (random.next() < 0.2 ? "\uDE00" : "") + body + (random.next() < 0.2 ? "\uD83D" : random.next() < 0.2 ? "\uFFFD" : "");
            const eol = random.next() < 0.5 ? "\r\n" : "\n";
            const midLine = random.next() < 0.3;
            const text = cleanCompletion({
                raw,
                linePrefix: randomText(random, Math.floor(random.next() * 30)).replace(/[\r\n]/g, ""),
                lineSuffix: midLine ? ")" : "",
                nextLines: [randomText(random, 10).replace(/[\r\n]/g, "")],
                eol,
                maxLines: 1 + Math.floor(random.next() * 5),
                ...(random.next() < 0.5 ? { indentUnit: random.next() < 0.5 ? "\t" : "    ", tabSize: 4 } : {})
            });
            assert.doesNotMatch(text, loneSurrogate, JSON.stringify({ raw, text }));
            assert.ok(!text.includes("\uFFFD"), `holds U+FFFD: ${JSON.stringify({ raw, text })}`);
            if (eol === "\r\n")
                assert.doesNotMatch(text, /\r(?!\n)|(?<!\r)\n/, `bare CR or LF in a CRLF document: ${JSON.stringify({ raw, text })}`);
            else
                assert.doesNotMatch(text, /\r/, `CR in an LF document: ${JSON.stringify({ raw, text })}`);
            if (midLine)
                assert.doesNotMatch(text, /[\r\n]/, "a mid-line completion stays on its line");
            cases++;
            if (text !== "")
                shown++;
        }
        console.log(`      ${cases} raw outputs cleaned, ${shown} non-empty, none with half a character or a foreign line break`);
    });
});

describe("reliability: privacy by construction", () => {
    const sourceFiles = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [path.join(dir, entry.name)] : []);

    it("only the model downloader and the opt-in llama.cpp server client can open network connections; no telemetry anywhere", () => {
        const networkApi = /from\s+["'](?:node:)?(?:http|https|http2|net|tls|dgram|dns|undici)["']|require\(["'](?:node:)?(?:http|https|http2|net|tls|dgram|dns)["']\)|\bfetch\s*\(|XMLHttpRequest|WebSocket|\bsendBeacon\b/;
        const telemetry = /telemetry|applicationinsights|createTelemetryLogger|TelemetryReporter|sentry|posthog|mixpanel|segment\.io/i;
        const files = sourceFiles(path.join(repository, "src"));
        const usingNetwork = files.filter((file) => networkApi.test(fs.readFileSync(file, "utf8"))).map((file) => path.relative(repository, file));
        assert.deepEqual(usingNetwork, [
            path.join("src", "bench", "LlamaServerPeer.ts"),
            path.join("src", "engineHost", "downloadFile.ts"),
            path.join("src", "engineHost", "modelFiles.ts"),
            path.join("src", "llamaServer", "HttpConnection.ts")
        ], "files that can reach the network");
        // The benchmark's llama-server peer talks only to the server it started, on loopback, and
        // nothing the extension or the engine host runs imports the benchmark.
        const peer = fs.readFileSync(path.join(repository, "src", "bench", "LlamaServerPeer.ts"), "utf8");
        assert.deepEqual([...new Set(peer.match(/https?:\/\/[^`"'$]*/g) ?? [])], ["http://127.0.0.1:"], "llama-server peer URLs");
        assert.deepEqual([...new Set((peer.match(/listen\([^)]*\)|"--host", "[^"]*"/g) ?? []).map((call) => call.includes("127.0.0.1")))], [true], "llama-server peer binds loopback only");
        const shipped = files.filter((file) => /[\\/]src[\\/](?:engine|completion|engineHost|vscode|config|llamaServer)[\\/]/.test(file) || /[\\/]src[\\/](?:extension|engineHost)\.ts$/.test(file));
        assert.ok(shipped.length > 20, `found ${shipped.length} files of the extension and the engine host`);
        assert.deepEqual(shipped.filter((file) => /from\s+["'][^"']*\/bench\//.test(fs.readFileSync(file, "utf8"))).map((file) => path.relative(repository, file)), [], "extension or engine host files importing the benchmark");
        const mentioningTelemetry = files.filter((file) => telemetry.test(fs.readFileSync(file, "utf8").replace(/\/\/.*$/gm, "")));
        assert.deepEqual(mentioningTelemetry, []);
        const packageJson = JSON.parse(fs.readFileSync(path.join(repository, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
        assert.deepEqual(Object.keys(packageJson.dependencies ?? {}).filter((name) => telemetry.test(name)), [], "telemetry packages");
        // The downloader's network calls are all behind the download request.
        const modelFiles = fs.readFileSync(path.join(repository, "src", "engineHost", "modelFiles.ts"), "utf8");
        assert.equal((modelFiles.match(/\bfetch\s*\(/g) ?? []).length, 1, "one fetch: the reachability check before a download");
        // The server client is only built when specula.backend is llamaServer (machine-scoped: never from a workspace).
        const composition = fs.readFileSync(path.join(repository, "src", "vscode", "ServerController.ts"), "utf8");
        assert.equal((composition.match(/new LlamaServerBackend\(/g) ?? []).length, 1, "one place builds the server client");
        console.log(`      ${files.length} source files scanned: network code only in the model downloader (src/engineHost/downloadFile.ts, src/engineHost/modelFiles.ts) the llama.cpp server client's connection (src/llamaServer/HttpConnection.ts) and the benchmark's loopback llama-server peer, no telemetry`);
    });
});
