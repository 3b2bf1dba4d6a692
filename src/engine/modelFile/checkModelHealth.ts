// Corrupt weights that every check of the file passes (NaN or ∞ values, a zero rope base) make
// llama.cpp compute NaN logits; its greedy sampler then picks token 0 forever, which in a byte
// vocabulary is "\u0000". These checks turn that into a clear error instead of a completion.
import type { Token } from "../llamaTypes";
import type { ModelRunner } from "../ModelRunner";
import { quoted, SpeculaError } from "../SpeculaError";

/**
 * The first eval in a process is several times slower than the rest; pay it at load, not on a
 * keystroke. The same eval asks for the chosen token's probability, which is NaN exactly when the
 * logits are not finite: a broken model is refused at load, at no cost to later requests.
 */
export async function warmUpAndCheck(runner: ModelRunner, filePath: string, role: string): Promise<void> {
    const token = runner.model.tokens.bos ?? (0 as Token);
    const [result] = await runner.sequence.controlledEvaluate([[token, { generateNext: { token: true, confidence: true } }]]);
    await runner.clear();
    const confidence = result?.next?.confidence;
    if (typeof confidence !== "number" || !Number.isFinite(confidence))
        throw brokenModel(filePath, role, "its output is not a number (NaN or ∞)");
}

/**
 * Text a healthy code model never writes: NUL characters. Checked on every completion's text,
 * a scan of a few hundred characters.
 */
export function checkCompletionText(text: string, filePath: string): void {
    if (text.includes("\u0000"))
        throw brokenModel(filePath, "target model", "it generated NUL characters");
}

function brokenModel(filePath: string, role: string, what: string): SpeculaError {
    return new SpeculaError(
        "MODEL_BROKEN",
        `The ${role} file ${quoted(filePath)} is broken: ${what}; its weights or metadata are corrupt. Download it again or choose another model.`
    );
}
