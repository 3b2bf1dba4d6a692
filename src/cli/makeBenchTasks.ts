import * as fs from "node:fs";
import * as path from "node:path";
import { SeededRandom } from "../engine/SeededRandom";
import { normalizeCodeText } from "../fixtures/codeCorpus";
import type { BenchTask } from "./runBench";

/**
 * FIM tasks cut from real source that an npm package ships: vscode-jsonrpc's compiled JavaScript,
 * a pinned runtime dependency (so every clone gets the same tasks) and not the corpus the fixture
 * models were built from (node-llama-cpp's type declarations), so the fixtures are not scored on
 * text they memorised.
 */
export function makeBenchTasks(options: { count?: number; seed?: number; normalize?: boolean } = {}): BenchTask[] {
    const { count = 48, seed = 7, normalize = true } = options;
    const dir = path.join(findPackageDir("vscode-jsonrpc"), "lib", "common");
    const files = fs.readdirSync(dir).filter((name) => name.endsWith(".js")).sort();
    const sources = files
        // With `normalize` (the default), the fixture corpus's whitespace normalisation, so the fixture
        // models see text like what they were built from; the code pair reads code as written.
        .map((name) => {
            const raw = fs.readFileSync(path.join(dir, name), "utf8");
            return { name, text: normalize ? normalizeCodeText(raw) : raw.replace(/\r\n?/g, "\n") };
        })
        .filter((source) => source.text.length > 2000);
    const random = new SeededRandom(seed);
    const tasks: BenchTask[] = [];
    while (tasks.length < count) {
        const source = sources[tasks.length % sources.length];
        const lineStarts = [...source.text.matchAll(/\n/g)].map((match) => match.index! + 1).filter((index) => index > 800);
        const cursor = lineStarts[Math.floor(random.next() * lineStarts.length)];
        // Cursor after the indentation of a line, as when someone starts typing a new statement.
        const indent = /^[ \t]*/.exec(source.text.slice(cursor))![0].length;
        const at = cursor + indent;
        const lineEnd = source.text.indexOf("\n", at);
        const suffixStart = lineEnd < 0 ? source.text.length : lineEnd;
        tasks.push({
            id: `${source.name}:${source.text.slice(0, at).split("\n").length}`,
            prefix: source.text.slice(Math.max(0, at - 700), at),
            suffix: source.text.slice(suffixStart, suffixStart + 200)
        });
    }
    return tasks;
}

/** Resolved by walking node_modules folders, because a bundled CLI cannot `require.resolve` data files. */
export function findPackageDir(name: string): string {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "node_modules", name);
        if (fs.existsSync(path.join(candidate, "package.json")))
            return candidate;
        if (path.dirname(dir) === dir)
            throw new Error(`cannot find the ${name} package for the benchmark tasks`);
    }
}
