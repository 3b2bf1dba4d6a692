/**
 * How the engine times evals for its drafting decisions (DraftLengthController, PayoffLedger).
 *
 * On a CPU the decisions use this process's CPU time: while the user types, the editor, the
 * language server and the extension host compete for the same cores, and one eval's wall time then
 * swings several-fold (on a 2-vCPU machine at load 10, a two-token verify timed 14 ms once and 35 ms
 * the next time, a single token 9–12 ms), so a cost curve learnt from the clock on the wall drafts
 * nothing after one unlucky sample, or too much after a lucky one. The CPU time of the same evals
 * stayed within a few per cent; contention stretches every eval alike, so the ratios the decisions
 * need come out right. On a GPU the CPU mostly waits, and only the wall clock measures the work.
 * What the user is shown (RequestStats) is always wall time.
 */
export type CostClock = () => () => number;

export const wallClock: CostClock = () => {
    const started = performance.now();
    return () => performance.now() - started;
};

export const cpuClock: CostClock = () => {
    const started = process.cpuUsage();
    return () => {
        const used = process.cpuUsage(started);
        return (used.user + used.system) / 1000;
    };
};

/** CPU time when every eval runs on the CPU (`gpu` false, as in EngineInfo), else wall time. */
export function costClockFor(gpu: string | false): CostClock {
    return gpu === false ? cpuClock : wallClock;
}
