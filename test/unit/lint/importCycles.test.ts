// No module of src/ imports itself back, through any chain of relative imports, type-only imports
// included: a cycle is two modules that can only be read (and moved) together.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..", "..");

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [path.join(dir, entry.name)] : []);
}

/** The src/ modules a file imports or re-exports by a relative specifier (static, side-effect and dynamic imports). */
function relativeImports(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((match) => match[1]!);
    return specifiers.flatMap((specifier) => {
        const target = path.resolve(path.dirname(file), specifier);
        const candidates = [`${target}.ts`, path.join(target, "index.ts")];
        return candidates.filter((candidate) => fs.existsSync(candidate)).slice(0, 1);
    });
}

/** One import chain from `start` back to itself, or undefined. */
function cycleFrom(start: string, graph: ReadonlyMap<string, readonly string[]>, cleared: Set<string>): string[] | undefined {
    const chain: string[] = [];
    const onChain = new Set<string>();
    const visit = (file: string): string[] | undefined => {
        if (onChain.has(file))
            return [...chain.slice(chain.indexOf(file)), file];
        if (cleared.has(file))
            return undefined;
        chain.push(file);
        onChain.add(file);
        for (const next of graph.get(file) ?? []) {
            const found = visit(next);
            if (found != null)
                return found;
        }
        chain.pop();
        onChain.delete(file);
        cleared.add(file);
        return undefined;
    };
    return visit(start);
}

describe("import graph of src/", () => {
    it("has no import cycles, type-only imports included", () => {
        const files = sourceFiles(path.join(root, "src"));
        assert.ok(files.length > 100, `found ${files.length} source files`);
        const graph = new Map(files.map((file) => [file, relativeImports(file)]));
        assert.ok([...graph.values()].reduce((sum, imports) => sum + imports.length, 0) > files.length, "the imports were found");
        const cleared = new Set<string>();
        for (const file of files) {
            const cycle = cycleFrom(file, graph, cleared);
            assert.equal(cycle, undefined, `import cycle: ${cycle?.map((member) => path.relative(root, member)).join(" → ")}`);
        }
    });
});
