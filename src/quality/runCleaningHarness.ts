import { cleanCompletion } from "../completion/cleanCompletion";
import type { FimCase } from "./FimCase";
import { runTrial, type Cleaner, type TrialResult } from "./evaluateTrials";
import { simulateTrials } from "./simulateOutputs";

/** The cleaner the extension uses, as the harness calls it. */
export const extensionCleaner: Cleaner = (input) => ({ text: cleanCompletion(input), overwriteChars: 0 });

/** Every simulated output for every case, cleaned and judged. */
export function runCleaningHarness(cases: readonly FimCase[], cleaner: Cleaner = extensionCleaner): TrialResult[] {
    return simulateTrials(cases).map((trial) => runTrial(trial, cleaner));
}
