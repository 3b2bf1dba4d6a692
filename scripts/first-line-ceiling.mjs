#!/usr/bin/env node
// How much faster speculation could make the first line at best (docs/latency.md, issue 20).
//
//   npx tsc -p . && node scripts/first-line-ceiling.mjs [TARGET.gguf DRAFT.gguf] [--spots-per-file 12]
//
// At line starts spread over vscode-jsonrpc's sources (held out from the code pair's corpus), the
// target alone writes its first line; the draft model then reads the same tokens (teacher-forced) and
// says, per position, whether its greedy token agrees with the target's and how sure it was (its
// top-8 probability, as the engine asks for it). With this machine's measured CPU cost of a verify
// batch of b tokens, each first line's cost is computed for:
//   alone   one eval per token;
//   K1..K4  a fixed draft length (the draft's tokens after a rejection are not known; a fixed K
//           pays for K whatever happens);
//   conf    the engine's rule with a calibration learnt on these very positions (optimistic): draft
//           while one more token could pay, keep the prefix with the best expected rate;
//   oracle  the best schedule for someone who knows in advance how many drafts the target keeps —
//           no causal policy can beat it.
// Prints p50 and total ratios to the target alone over the first lines, and over the first 40 tokens.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const { SpeculativeEngine } = require(path.join(root, "out/src/engine/SpeculativeEngine.js"));

const args = process.argv.slice(2);
const spotsArg = args.indexOf("--spots-per-file");
const spotsPerFile = spotsArg >= 0 ? Number(args[spotsArg + 1]) : 12;
const [targetPath, draftPath] = args[0] != null && !args[0].startsWith("--")
    ? [args[0], args[1]]
    : [findPaddedTarget(), path.join(root, "test/models/code-pair/code-draft.gguf")];

function findPaddedTarget() {
    const dir = path.join(root, ".cache/fixtures");
    for (const entry of readdirSync(dir).filter((name) => name.startsWith("code-pair-")).sort().reverse()) {
        const file = path.join(dir, entry, "padded-target.gguf");
        if (existsSync(file))
            return file;
    }
    throw new Error("no padded code target in .cache/fixtures: run `node dist/cli.js bench --pair code --limit 1` once to make it, or pass TARGET.gguf DRAFT.gguf");
}

const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sum = (values) => values.reduce((a, b) => a + b, 0);

const engine = await SpeculativeEngine.load({ targetPath, draftPath, threads: 1, contextSize: 1024 });
const target = engine.target;
const draft = engine.draft;
const sourceDir = path.join(path.dirname(require.resolve("vscode-jsonrpc/package.json")), "lib", "common");
const files = ["linkedMap.js", "events.js", "messages.js", "connection.js", "messageReader.js", "messageWriter.js", "cancellation.js", "semaphore.js"];
const spots = [];
for (const file of files) {
    const text = readFileSync(path.join(sourceDir, file), "utf8");
    const ends = [...text.matchAll(/\n/g)].map((match) => match.index).filter((index) => index > 900 && index < text.length - 400);
    if (ends.length < spotsPerFile)
        continue;
    for (let i = 0; i < spotsPerFile; i++) {
        const lineBreak = ends[Math.floor((i + 0.5) / spotsPerFile * ends.length)];
        const lineEnd = text.indexOf("\n", lineBreak + 1);
        const line = text.slice(lineBreak + 1, lineEnd);
        if (line.trim() === "")
            continue;
        const indent = line.length - line.trimStart().length;
        spots.push({ prefix: text.slice(0, lineBreak + 1 + indent), suffix: text.slice(lineEnd) });
    }
}

// The verify curve: CPU ms of a batch of b tokens after this prompt, median of 6.
const curve = new Map();
{
    const prompt = engine.promptTokens({ ...spots[0], maxTokens: 48 });
    await target.clear();
    await target.prefill(prompt.slice(0, -1));
    const base = target.cachedTokens.length;
    const samples = new Map();
    for (let rep = 0; rep < 6; rep++)
        for (let size = 1; size <= 12; size++) {
            const items = [prompt.at(-1), ...Array(size - 1).fill(prompt.at(-2))].map((token) => [token, { generateNext: { token: true } }]);
            const started = cpuMs();
            await target.evaluate(items);
            samples.set(size, [...samples.get(size) ?? [], cpuMs() - started]);
            await target.keepCommonPrefix(target.cachedTokens, base);
        }
    for (const [size, values] of samples)
        curve.set(size, median(values));
}
const cost = (size) => curve.get(size) ?? curve.get(12) + (size - 12) * (curve.get(12) - curve.get(11));
let draftMs;
{
    const prompt = engine.promptTokens({ ...spots[0], maxTokens: 48 });
    await draft.clear();
    await draft.prefill(prompt.slice(0, -1));
    const started = cpuMs();
    for (let i = 0; i < 20; i++) {
        await draft.evaluate([[prompt.at(-1), { generateNext: { probabilities: true, options: { temperature: 1, topK: 8, topP: 1, minP: 0 } } }]]);
        await draft.keepCommonPrefix(draft.cachedTokens, draft.cachedTokens.length - 1);
    }
    draftMs = (cpuMs() - started) / 20;
}

const lines = [];
for (const spot of spots) {
    const request = { ...spot, maxTokens: 48, speculative: false };
    const result = await engine.complete(request);
    let firstLineTokens = 0;
    let text = "";
    for (const [index, token] of result.tokens.entries()) {
        text += target.model.detokenize([token], false);
        if (/\S[^\n]*\n/.test(text)) {
            firstLineTokens = index + 1;
            break;
        }
    }
    const tokens = result.tokens.slice(0, 40);
    const prompt = engine.promptTokens(request);
    await draft.clear();
    await draft.prefill(prompt.slice(0, -1));
    const predictions = await draft.evaluate([prompt.at(-1), ...tokens.slice(0, -1)].map((token) => [token, { generateNext: { probabilities: true, options: { temperature: 1, topK: 8, topP: 1, minP: 0 } } }]));
    const agree = [];
    const confidence = [];
    tokens.forEach((token, index) => {
        let best;
        let bestProbability = -1;
        for (const [candidate, probability] of predictions[index]?.next?.probabilities ?? [])
            if (probability > bestProbability) {
                best = candidate;
                bestProbability = probability;
            }
        agree.push(best === token ? 1 : 0);
        confidence.push(bestProbability);
    });
    lines.push({ length: Math.min(firstLineTokens || tokens.length, tokens.length), agree, confidence });
}
await engine.dispose();

// Calibration on these positions: acceptance per confidence band.
const bands = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.01];
const counts = bands.map(() => [0, 0]);
for (const line of lines)
    line.confidence.forEach((value, index) => {
        const band = bands.findIndex((edge) => value < edge);
        counts[band][0] += line.agree[index];
        counts[band][1]++;
    });
const calibrated = (value) => {
    const [kept, seen] = counts[bands.findIndex((edge) => value < edge)];
    return seen > 0 ? kept / seen : 0;
};
const runFrom = (agree, index) => {
    let run = 0;
    while (index + run < agree.length && agree[index + run] === 1)
        run++;
    return run;
};

function scheduleCost(line, length, policy) {
    if (policy === "oracle") {
        const best = Array(length + 1).fill(0);
        for (let i = length - 1; i >= 0; i--) {
            const run = runFrom(line.agree, i);
            let cheapest = Infinity;
            for (let k = 0; k <= Math.min(run, length - i - 1); k++)
                cheapest = Math.min(cheapest, cost(k + 1) + k * draftMs + best[Math.min(length, i + k + 1)]);
            best[i] = cheapest;
        }
        return best[0];
    }
    let position = 0;
    let total = 0;
    while (position < length) {
        const left = length - position - 1;
        let k = 0;
        if (policy.startsWith("K")) {
            k = Math.min(Number(policy.slice(1)), left);
            total += k * draftMs;
        } else if (policy === "conf") {
            const acceptances = [];
            let reach = 1;
            while (acceptances.length < Math.min(8, left)) {
                const acceptance = calibrated(line.confidence[position + acceptances.length]);
                acceptances.push(acceptance);
                reach *= acceptance;
                if (!(reach * cost(1) > draftMs + cost(acceptances.length + 2) - cost(acceptances.length + 1)))
                    break;
            }
            total += acceptances.length * draftMs;
            let bestRate = 1.02 / cost(1);
            let cumulative = 1;
            let expected = 1;
            acceptances.forEach((acceptance, index) => {
                cumulative *= acceptance;
                expected += cumulative;
                if (expected / cost(index + 2) > bestRate) {
                    bestRate = expected / cost(index + 2);
                    k = index + 1;
                }
            });
        }
        total += cost(k + 1);
        position += Math.min(k, runFrom(line.agree, position)) + 1;
    }
    return total;
}

const policies = ["alone", "K1", "K2", "K3", "K4", "conf", "oracle"];
console.log(`${lines.length} line starts; verify CPU ms ${[...curve].map(([size, ms]) => `${size}:${ms.toFixed(1)}`).join(" ")}; draft eval ${draftMs.toFixed(2)} ms`);
const lengths = lines.map((line) => line.length).sort((a, b) => a - b);
console.log(`first-line tokens p25/p50/p75 ${lengths[Math.floor(lengths.length / 4)]}/${median(lengths)}/${lengths[Math.floor(3 * lengths.length / 4)]}; the draft's first token agrees at ${(sum(lines.map((line) => line.agree[0])) / lines.length * 100).toFixed(0)} % of line starts`);
for (const scope of ["first line", "first 40 tokens"]) {
    const costs = Object.fromEntries(policies.map((policy) => [policy, lines.map((line) => scheduleCost(line, scope === "first line" ? line.length : line.agree.length, policy))]));
    console.log(`${scope}:`);
    for (const policy of policies)
        console.log(`  ${policy.padEnd(7)} p50 ${(median(costs[policy]) / median(costs.alone)).toFixed(2)}x  total ${(sum(costs[policy]) / sum(costs.alone)).toFixed(2)}x`);
}
