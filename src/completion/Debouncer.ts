import { debounceRange } from "./latencyOptions";

/**
 * Waits `ms` milliseconds. Resolves true when the time has passed, false as soon as `signal` aborts
 * (or at once when it already has): a superseded request stops waiting instead of running late.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted)
        return Promise.resolve(false);
    return new Promise((resolve) => {
        const onAbort = (): void => {
            clearTimeout(timer);
            resolve(false);
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve(true);
        }, Math.max(0, ms));
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}

export interface DebouncerOptions {
    /** Shortest wait in ms. Defaults to 100. */
    readonly minMs?: number;
    /** Longest wait in ms. Defaults to 1000. */
    readonly maxMs?: number;
    /** Wait before any typing has been seen, in ms. Defaults to 350. */
    readonly initialMs?: number;
    /**
     * Wait as a multiple of the typical gap between keystrokes: a little over one gap means we
     * ask once the user pauses rather than between two keys. Defaults to 1.5.
     */
    readonly gapFactor?: number;
    /** Gaps longer than this are pauses, not typing speed, and are ignored. Defaults to 2000. */
    readonly pauseMs?: number;
    /** Clock; tests pass a fake one. Defaults to `performance.now`. */
    readonly now?: () => number;
}

/**
 * A debounce that adapts to typing speed (as Tabby's does): fast typists get a short wait, slow
 * typists a longer one, so a request is not started and cancelled between every two keys.
 */
export class Debouncer {
    /**
     * The debounce the editor uses for the `specula.debounceMs` setting: that is the shortest wait
     * (and the first one), and slow typists get up to `debounceRange` times as long.
     */
    public static forSetting(debounceMs: number): Debouncer {
        return new Debouncer({ minMs: debounceMs, initialMs: debounceMs, maxMs: debounceMs * debounceRange });
    }

    private readonly minMs: number;
    private readonly maxMs: number;
    private readonly gapFactor: number;
    private readonly pauseMs: number;
    private readonly now: () => number;
    private lastKeystroke: number | undefined;
    /** Exponentially weighted average gap between keystrokes, in ms. */
    private averageGap: number | undefined;
    private readonly initialMs: number;

    public constructor(options: DebouncerOptions = {}) {
        this.minMs = Math.max(0, options.minMs ?? 100);
        this.maxMs = Math.max(this.minMs, options.maxMs ?? 1000);
        this.initialMs = options.initialMs ?? 350;
        this.gapFactor = options.gapFactor ?? 1.5;
        this.pauseMs = options.pauseMs ?? 2000;
        this.now = options.now ?? (() => performance.now());
    }

    /** The wait the next {@link wait} call uses, in ms, within [minMs, maxMs]. */
    public get delayMs(): number {
        const wanted = this.averageGap === undefined ? this.initialMs : this.averageGap * this.gapFactor;
        return Math.min(this.maxMs, Math.max(this.minMs, wanted));
    }

    /** Records a keystroke (a document change at the cursor) to learn the typing speed. */
    public recordKeystroke(at: number = this.now()): void {
        if (this.lastKeystroke !== undefined) {
            const gap = at - this.lastKeystroke;
            if (gap >= 0 && gap <= this.pauseMs)
                // Weight 0.3 follows a change of pace within a few keys without jumping on one slow key.
                this.averageGap = this.averageGap === undefined ? gap : this.averageGap * 0.7 + gap * 0.3;
        }
        this.lastKeystroke = at;
    }

    /**
     * What is left of {@link delayMs} counted from the last keystroke: the debounce is quiet time
     * after a key, and time the request spent reaching us (the editor's own debounce, its IPC) is
     * part of it (about 50–90 ms in VS Code between the edit and the provider call).
     */
    public get remainingMs(): number {
        const since = this.lastKeystroke !== undefined ? this.now() - this.lastKeystroke : undefined;
        return since !== undefined && since >= 0 ? Math.max(0, this.delayMs - since) : this.delayMs;
    }

    /** Waits what is left of {@link delayMs} since the last keystroke; resolves false when `signal` aborts first. */
    public wait(signal?: AbortSignal): Promise<boolean> {
        return delay(this.remainingMs, signal);
    }
}
