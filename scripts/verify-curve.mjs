#!/usr/bin/env node
// What a verify batch costs on this machine (docs/native-peer.md, issue 20): the model evaluates b new
// tokens after a cached prompt, without sampling, for each batch size b, interleaved over repetitions.
//
//   node scripts/verify-curve.mjs MODEL.gguf [SIZES=1,2,3,4,5,7,9,17] [REPS=7]
//
// Prints the median wall and CPU milliseconds per batch size (threads 1). Uses whatever llama.cpp
// build node-llama-cpp loads here (the prebuilt binary, or one built for this machine).
import { getLlama } from "node-llama-cpp";

const [modelPath, sizesArg, repsArg] = process.argv.slice(2);
if (modelPath == null) {
    console.error("usage: node scripts/verify-curve.mjs MODEL.gguf [SIZES] [REPS]");
    process.exit(2);
}
const sizes = (sizesArg ?? "1,2,3,4,5,7,9,17").split(",").map(Number);
const reps = Number(repsArg ?? 7);
const llama = await getLlama({ gpu: false });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 1024, sequences: 1, threads: 1, batchSize: 512, flashAttention: false });
const sequence = context.getSequence();
const prompt = model.tokenize("export function parseArgs(argv: string[]) {\n    const result = {};\n    for (let i = 0; i < argv.length; i++) {\n        const arg = argv[i];\n");
await sequence.evaluateWithoutGeneratingNewTokens(prompt);
const base = sequence.contextTokens.length;
const extra = model.tokenize(" if (arg.startsWith('--')) { result[arg] = true; } else { other.push(arg); } return result; }");
const samples = new Map(sizes.map((size) => [size, { wall: [], cpu: [] }]));
for (let rep = 0; rep < reps; rep++)
    for (const size of rep % 2 === 0 ? sizes : [...sizes].reverse()) {
        await sequence.eraseContextTokenRanges([{ start: base, end: sequence.contextTokens.length }]);
        const cpu = process.cpuUsage();
        const started = performance.now();
        await sequence.evaluateWithoutGeneratingNewTokens(extra.slice(0, size));
        const used = process.cpuUsage(cpu);
        samples.get(size).wall.push(performance.now() - started);
        samples.get(size).cpu.push((used.user + used.system) / 1000);
    }
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`${modelPath}: threads 1, ${reps} repetitions, llama.cpp ${llama.buildType === "localBuild" ? "built on this machine" : "prebuilt"}`);
console.log("| batch | wall ms | CPU ms |\n|--:|--:|--:|");
for (const [size, { wall, cpu }] of samples)
    console.log(`| ${size} | ${median(wall).toFixed(1)} | ${median(cpu).toFixed(1)} |`);
await context.dispose();
await model.dispose();
