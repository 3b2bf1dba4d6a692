import { SpeculativeEngine } from "../../src/engine/SpeculativeEngine";
import type { EngineOptions } from "../../src/common/EngineOptions";
import { ensureFixtures, type FixturePaths } from "../../src/fixtures/generateFixtures";

let fixtures: Promise<FixturePaths> | undefined;

/** The small generated pair, made once per test process (cached on disk between runs). */
export function smallFixtures(): Promise<FixturePaths> {
    fixtures ??= ensureFixtures({});
    return fixtures;
}

/** threads: 1 because two threads on a 2-vCPU machine make timings erratic and tests slow. */
export async function loadSmallEngine(options: Partial<EngineOptions> = {}): Promise<SpeculativeEngine> {
    const paths = await smallFixtures();
    return await SpeculativeEngine.load({
        targetPath: paths.smallTarget,
        draftPath: paths.smallDraft,
        gpu: "off",
        threads: 1,
        contextSize: 2048,
        ...options
    });
}

/** Deterministic prompt material: code-like, FIM, unicode, empty suffixes. */
export function variedPrompts(count: number): Array<{ prefix: string; suffix: string }> {
    const heads = [
        "export function ", "import { ", "const value = ", "interface Options {\n    ", "class Engine {\n    private ",
        "/**\n * Returns the ", "if (token == null) {\n    return ", "for (let i = 0; i < ", "export type Token = ",
        "async function load(path: string): Promise<", "// ünïcödé ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — ", "let s = \"e\u0301\"; // ",
        "function add(a: number, b: number): number {\n    return ", "    readonly ", "export declare class Llama",
        "", "\n", "x", "{\n\t\"name\": ", "/* 😀 */ const emoji = "
    ];
    const suffixes = ["", "\n}\n", ";\n", ")\n\nexport default value;\n", "\n    }\n}\n", " // end", "\r\n}\r\n", ""];
    const prompts: Array<{ prefix: string; suffix: string }> = [];
    for (let i = 0; i < count; i++) {
        const head = heads[i % heads.length];
        const repeat = Math.floor(i / heads.length);
        const prefix = repeat === 0 ? head : `${"// section ".repeat(repeat)}\n${head}`;
        prompts.push({ prefix, suffix: suffixes[i % suffixes.length] });
    }
    return prompts;
}
