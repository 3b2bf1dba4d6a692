import { cleanCompletion, cleanCompletionEdit } from "../completion/cleanCompletion";
import type { FimCase } from "./FimCase";
import { runTrial, type Cleaner, type TrialResult } from "./evaluateTrials";
import { simulateTrials } from "./simulateOutputs";

/** The cleaner as the extension's completion pipeline calls it: an edit that may replace auto-closed characters. */
export const editCleaner: Cleaner = (input) => cleanCompletionEdit(input);

/** The insert-only form, for callers that cannot give VS Code a range. */
export const insertOnlyCleaner: Cleaner = (input) => ({ text: cleanCompletion(input), overwriteChars: 0 });

/** Every simulated output for every case, cleaned and judged. */
export function runCleaningHarness(cases: readonly FimCase[], cleaner: Cleaner = editCleaner): TrialResult[] {
    return simulateTrials(cases).map((trial) => runTrial(trial, cleaner));
}
