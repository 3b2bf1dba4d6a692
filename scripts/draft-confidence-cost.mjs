#!/usr/bin/env node
// What asking node-llama-cpp 3.21.1 for a greedy token's confidence costs (docs/native-peer.md, issue
// 20): single-token controlledEvaluate calls without it, with `confidence: true` and with top-8 probabilities, alternating, after a
// prompt of PROMPT tokens of real code.
//
//   node scripts/draft-confidence-cost.mjs MODEL.gguf [PROMPT=800] [CALLS=32]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { getLlama } from "node-llama-cpp";

const [modelPath, promptArg, callsArg] = process.argv.slice(2);
if (modelPath == null) {
    console.error("usage: node scripts/draft-confidence-cost.mjs MODEL.gguf [PROMPT] [CALLS]");
    process.exit(2);
}
const calls = Number(callsArg ?? 32);
const require = createRequire(import.meta.url);
const source = path.join(path.dirname(require.resolve("vscode-jsonrpc/package.json")), "lib", "common", "connection.js");
const llama = await getLlama({ gpu: false });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1, batchSize: 512, flashAttention: false });
const sequence = context.getSequence();
const prompt = model.tokenize(readFileSync(source, "utf8")).slice(0, Number(promptArg ?? 800));
await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
let last = prompt.at(-1);
// "top8" is how the engine asks (ModelDrafter's CONFIDENCE_REQUEST): the 8 most likely tokens'
// probabilities, a partial sort; the drafted token is the most likely of them.
const requests = {
    false: { token: true },
    true: { token: true, confidence: true },
    top8: { probabilities: true, options: { temperature: 1, topK: 8, topP: 1, minP: 0 } }
};
const results = { false: [], true: [], top8: [] };
for (const confidence of ["false", "true", "top8", "false", "true", "top8"]) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
        const [result] = await sequence.controlledEvaluate([[last, { generateNext: requests[confidence] }]]);
        last = confidence === "top8" ? [...result.next.probabilities.entries()].sort((a, b) => b[1] - a[1])[0][0] : result.next.token;
    }
    const used = process.cpuUsage(cpu);
    results[confidence].push([(performance.now() - started) / calls, (used.user + used.system) / 1000 / calls]);
}
console.log(`${modelPath}: ${calls} single-token calls per pass after ${prompt.length} prompt tokens, threads 1`);
for (const confidence of ["false", "true", "top8"])
    console.log(`confidence ${confidence}: ${results[confidence].map(([wall, cpu]) => `${wall.toFixed(3)} ms wall / ${cpu.toFixed(3)} ms CPU`).join(", ")} per call`);
await context.dispose();
await model.dispose();
