// `npm run quality`: runs the output-cleaning harness over the committed FIM cases and writes
// docs/quality.md. `npm run quality -- --cut` first cuts the cases again from the offline sources
// (src/quality/qualitySources.ts) into src/quality/fimCases.json; `node dist/quality.js --seed S`
// runs on a fresh sample cut with another seed (sources needed, nothing written unless --report).
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { SeededRandom } from "../engine/SeededRandom";
import { caseFilePath, loadFimCases, repositoryRoot, type CaseLanguage, type FimCase, type FimCaseFile } from "./FimCase";
import { cutFimCases } from "./cutFimCases";
import { readQualitySources } from "./qualitySources";
import { insertOnlyCleaner, runCleaningHarness } from "./runCleaningHarness";
import { formatQualityReport, headline } from "./qualityReport";
import { qualityHistory } from "./qualityHistory";

/** Cases per language, spread over that language's files. */
const casesPerLanguage = 240;
const casesPerFile = 12;

function cutCases(root: string, seed = "quality"): FimCaseFile {
    const sources = readQualitySources(path.join(root, "node_modules"));
    const cases: FimCase[] = [];
    const languages: CaseLanguage[] = ["typescript", "javascript", "python", "c", "go"];
    for (const language of languages) {
        const random = new SeededRandom(`${seed}-${language}`);
        const files = sources.filter((file) => file.language === language);
        // A fixed shuffle, so the sample does not favour files early in the alphabet.
        const order = files.map((file) => ({ file, key: random.next() })).sort((a, b) => a.key - b.key).map((entry) => entry.file);
        let taken = 0;
        for (let round = 0; round < 4 && taken < casesPerLanguage; round++)
            for (const [index, file] of order.entries()) {
                if (taken >= casesPerLanguage)
                    break;
                const cut = cutFimCases(file, Math.min(casesPerFile, casesPerLanguage - taken), random, `${language}-${round}-${index}`);
                cases.push(...cut);
                taken += cut.length;
            }
    }
    return {
        description: "Fill-in-the-middle cases cut from real code for the output-cleaning harness (docs/quality.md).",
        generatedBy: "npm run quality -- --cut (src/quality/qualityMain.ts, src/quality/cutFimCases.ts, src/quality/qualitySources.ts)",
        cases
    };
}

function main(): number {
    const { values } = parseArgs({
        args: process.argv.slice(2),
        options: { cut: { type: "boolean", default: false }, seed: { type: "string" }, report: { type: "string" } },
        strict: true
    });
    const root = repositoryRoot();
    if (values.cut) {
        const file = cutCases(root);
        // One case per line: compact, and a re-cut shows as a readable diff.
        const body = file.cases.map((c) => JSON.stringify(c)).join(",\n");
        fs.writeFileSync(path.join(root, caseFilePath),
            `{"description": ${JSON.stringify(file.description)},\n"generatedBy": ${JSON.stringify(file.generatedBy)},\n"cases": [\n${body}\n]}\n`);
        process.stderr.write(`wrote ${file.cases.length} cases to ${caseFilePath}\n`);
    }
    // Another seed cuts a fresh sample from the sources (not written anywhere): a check that the
    // cleaner was not tuned to the committed cases.
    const { cases } = values.seed !== undefined ? cutCases(root, values.seed) : loadFimCases(root);
    if (values.seed !== undefined)
        process.stderr.write(`cut ${cases.length} cases with seed "${values.seed}"\n`);
    const results = runCleaningHarness(cases);
    const top = headline(results);
    process.stdout.write(`perfect model, end of line: ${top.endOfLine.correct}/${top.endOfLine.tried} survive unchanged (${(100 * top.endOfLine.rate).toFixed(1)} %)\n`);
    process.stdout.write(`perfect model, mid-line:    ${top.midLine.correct}/${top.midLine.tried} survive unchanged (${(100 * top.midLine.rate).toFixed(1)} %)\n`);
    const report = formatQualityReport({ cases, results, history: qualityHistory, insertOnlyResults: runCleaningHarness(cases, insertOnlyCleaner) });
    if (values.report !== undefined) {
        fs.writeFileSync(path.resolve(values.report), report);
        process.stderr.write(`wrote ${values.report}\n`);
    } else
        process.stdout.write(report);
    return 0;
}

process.exitCode = main();
