// One clock for every process a suggestion crosses (the page, the extension host, the engine host):
// wall-clock milliseconds since the epoch, from the process's high-resolution timer.

/** Now, in ms since the epoch (sub-millisecond precision; comparable across processes on one machine). */
export function epochNow(): number {
    return performance.timeOrigin + performance.now();
}
