#!/usr/bin/env node
// Minimal reproduction for docs/native-peer.md (issue 20, item 5): what one node-llama-cpp 3.21.1 call
// costs beyond the model's own work, for greedy decoding of one token at a time on one model, threads 1.
//
//   node scripts/percall-overhead.mjs MODEL.gguf [TOKENS=64] [ROUNDS=7]
//
// Ways, interleaved round by round (the machine's drift spreads over all of them):
//   controlledEvaluate  what Specula's engine calls per verify: one call per token with
//                       generateNext { token: true } (a new LlamaSampler per call, applyConfig, an async sample)
//   evaluate generator  node-llama-cpp's own loop: one sampler for the whole run
//   decode only         evaluateWithoutGeneratingNewTokens, one token per call: the eval without any sampling
// Reports the median wall time and the median process CPU time per token (CPU time is less sensitive to
// other processes on a shared machine), and checks that the first two produce the same tokens.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { getLlama } from "node-llama-cpp";

const require = createRequire(import.meta.url);
const version = JSON.parse(readFileSync(path.join(path.dirname(require.resolve("node-llama-cpp")), "..", "package.json"), "utf8")).version;

const [modelPath, tokensArg, roundsArg] = process.argv.slice(2);
if (modelPath == null) {
    console.error("usage: node scripts/percall-overhead.mjs MODEL.gguf [TOKENS] [ROUNDS]");
    process.exit(2);
}
const N = Number(tokensArg ?? 64);
const rounds = Number(roundsArg ?? 7);
const llama = await getLlama({ gpu: false, build: "never" });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 1024, sequences: 1, threads: 1, batchSize: 512, flashAttention: false });
const sequence = context.getSequence();
const prompt = model.tokenize("export function parseArgs(argv: string[]) {\n    const ");

async function timed(body) {
    await sequence.clearHistory();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
    const cpu = process.cpuUsage();
    const started = performance.now();
    const tokens = await body();
    const used = process.cpuUsage(cpu);
    return { wall: (performance.now() - started) / N, cpu: (used.user + used.system) / 1000 / N, tokens };
}

const ways = {
    "controlledEvaluate": () => timed(async () => {
        let last = prompt.at(-1);
        const out = [];
        for (let i = 0; i < N; i++) {
            const [result] = await sequence.controlledEvaluate([[last, { generateNext: { token: true } }]]);
            last = result.next.token;
            out.push(last);
        }
        return out;
    }),
    "evaluate generator": () => timed(async () => {
        const out = [];
        for await (const token of sequence.evaluate([prompt.at(-1)], { temperature: 0 })) {
            out.push(token);
            if (out.length >= N)
                break;
        }
        return out;
    }),
    "decode only": () => timed(async () => {
        for (let i = 0; i < N; i++)
            await sequence.evaluateWithoutGeneratingNewTokens([prompt.at(-1)]);
        return [];
    })
};
const samples = Object.fromEntries(Object.keys(ways).map((name) => [name, { wall: [], cpu: [] }]));
const outputs = {};
for (let round = 0; round < rounds; round++) {
    const names = Object.keys(ways);
    for (const name of round % 2 === 0 ? names : names.reverse()) {
        const { wall, cpu, tokens } = await ways[name]();
        samples[name].wall.push(wall);
        samples[name].cpu.push(cpu);
        outputs[name] = tokens;
    }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`${modelPath}: ${N} tokens, ${rounds} rounds, threads 1, node-llama-cpp ${version}`);
console.log("| way | wall ms/token (median) | CPU ms/token (median) |\n|---|--:|--:|");
for (const [name, { wall, cpu }] of Object.entries(samples))
    console.log(`| ${name} | ${median(wall).toFixed(3)} | ${median(cpu).toFixed(3)} |`);
console.log(`same tokens (controlledEvaluate vs generator): ${JSON.stringify(outputs.controlledEvaluate) === JSON.stringify(outputs["evaluate generator"])}`);
await context.dispose();
await model.dispose();
