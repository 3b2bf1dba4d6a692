/** One completion the bench asks for: the text before and after the cursor. */
export interface BenchTask {
    readonly id: string;
    readonly prefix: string;
    readonly suffix: string;
}
