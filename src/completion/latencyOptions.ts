// The one declaration of the options that decide how soon a suggestion shows: each one's default
// and the range the setting offers. package.json's `specula.*` settings must declare the same
// (test/unit/config/settingsSchema.test.ts checks); the CLI's `latency` command and the bench's
// typing replay take their defaults from here. The values were chosen by `specula latency` on both
// built-in pairs (see docs/latency.md).

export const latencyOptions = {
    /**
     * Shortest wait after a keystroke before a new generation starts, ms; for slower typing the wait
     * grows with the typing speed up to three times this. Defaults to 50.
     */
    debounceMs: { type: "integer", default: 50, setting: { minimum: 0, maximum: 2000 } },
    /** Longest time from the last keystroke to a suggestion when one is on its way, ms. Defaults to 300. */
    latencyBudgetMs: { type: "integer", default: 300, setting: { minimum: 0, maximum: 10000 } },
    /** Compute the suggestion that follows an accept while the current one is shown. Defaults to true. */
    prefetch: { type: "boolean", default: true }
} as const;

/** The debounce's longest wait as a multiple of its shortest (`debounceMs`). */
export const debounceRange = 3;
