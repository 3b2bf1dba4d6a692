import * as fs from "node:fs";
import * as path from "node:path";
import { SeededRandom } from "../engine/speculativeSampling";
import type { BenchTask } from "./runBench";

/**
 * FIM tasks cut from real source that an npm package ships: vscode-jsonrpc's compiled JavaScript,
 * a pinned runtime dependency (so every clone gets the same tasks) and not the corpus the fixture
 * models were built from (node-llama-cpp's type declarations), so the fixtures are not scored on
 * text they memorised.
 */
export function makeBenchTasks(count = 48, seed = 7): BenchTask[] {
    const dir = path.join(path.dirname(require.resolve("vscode-jsonrpc/package.json")), "lib", "common");
    const files = fs.readdirSync(dir).filter((name) => name.endsWith(".js")).sort();
    const sources = files
        .map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), "utf8").replace(/\r\n/g, "\n") }))
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
            prefix: source.text.slice(Math.max(0, at - 1500), at),
            suffix: source.text.slice(suffixStart, suffixStart + 400)
        });
    }
    return tasks;
}
