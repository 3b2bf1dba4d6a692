/**
 * What speculation has actually earned, per draft source, measured against the target alone.
 *
 * A round that verifies k proposals commits `accepted + 1` tokens for `verifyMs + draftMs`; the
 * target alone would have written those tokens for `plainMs` each. The difference, in tokens,
 *   saved = committed − (verifyMs + draftMs) / plainMs,
 * is what the round earned (negative when drafting cost more than it gave). The ledger keeps a
 * moving average of it per key (a source, or a source in one round context) and tells the engine to
 * stop drafting from a key whose average is below zero by more than its noise — whatever the acceptance model predicted,
 * the clock says it does not pay here. A stopped key is tried again after `firstBackoff` rounds, then
 * after twice as many each time a retry still does not pay (up to `maxBackoff`), and drafts as usual
 * again as soon as its average is back above zero.
 *
 * This is the engine's guarantee of "never slower than the target alone" in the total: the acceptance
 * model (DraftLengthController) chooses how much to draft, and this ledger vetoes it where the
 * measured pay-off is negative, so a weak draft model or a lookup that copies the wrong things costs
 * at most one retry every `maxBackoff` rounds.
 */
export type PayoffDecision = "draft" | "retry" | "skip";

/**
 * How many standard errors below zero a key's average must be before it is stopped. The test runs
 * after every round, so its false alarms add up: simulated with this ledger's moving average (rounds
 * of −1.3 or +3.7 tokens, a verify of five on a CPU), a draft model that saves +0.3 tokens a round is
 * "losing" by one standard error on 17 % of rounds and by two on 7 %, and each stop costs at least
 * `firstBackoff` rounds without drafting; one that loses 0.5 a round is caught on 51 % and 35 % of
 * rounds, and a source that loses every round (little spread) is stopped at once either way. On the
 * code pair three identical draft-model engines ran at 1.06–1.22× the target alone with one, 1.17–1.24×
 * with two (together with DraftLengthController's rounds without a context going to the source's record).
 */
const STOP_STANDARD_ERRORS = 2;

interface Entry {
    /** Moving average of `saved` per round, in tokens. */
    average: number;
    /** Moving average of `saved`², for the spread of the rounds around the average. */
    squares: number;
    rounds: number;
    /** Rounds skipped since the last retry. */
    skipped: number;
    /** Rounds to skip before the next retry. */
    backoff: number;
}

export interface PayoffLedgerOptions {
    /** Weight of a new round in the average. Defaults to 0.25. */
    readonly smoothing?: number;
    /** Rounds a key must have been measured before it can be stopped. Defaults to 3. */
    readonly minRounds?: number;
    /** Rounds skipped before the first retry of a stopped key. Defaults to 8. */
    readonly firstBackoff?: number;
    /** Longest wait between retries. Defaults to 64. */
    readonly maxBackoff?: number;
}

export class PayoffLedger {
    private readonly entries = new Map<string, Entry>();
    private readonly smoothing: number;
    private readonly minRounds: number;
    private readonly firstBackoff: number;
    private readonly maxBackoff: number;

    public constructor(options: PayoffLedgerOptions = {}) {
        this.smoothing = options.smoothing ?? 0.25;
        this.minRounds = options.minRounds ?? 3;
        this.firstBackoff = options.firstBackoff ?? 8;
        this.maxBackoff = options.maxBackoff ?? 64;
    }

    /** Tokens a round saved: committed tokens minus what the round cost, in target-alone tokens. */
    public static saved(committed: number, roundMs: number, plainMs: number): number {
        return committed - roundMs / plainMs;
    }

    /** Records one round that drafted from `key`. */
    public record(key: string, saved: number): void {
        if (!Number.isFinite(saved))
            return;
        const entry = this.entry(key);
        entry.average = entry.rounds === 0 ? saved : (1 - this.smoothing) * entry.average + this.smoothing * saved;
        entry.squares = entry.rounds === 0 ? saved * saved : (1 - this.smoothing) * entry.squares + this.smoothing * saved * saved;
        entry.rounds++;
        // A round that paid (a retry that would have earned) brings the next retry back soon,
        // even while the average is still below zero.
        if (entry.average >= 0 || saved > 0)
            entry.backoff = this.firstBackoff;
    }

    /**
     * Whether to draft from `key` this round: "draft" while it pays (or has not been measured enough),
     * "skip" while it does not, "retry" once every backoff. A "skip" counts towards the next retry.
     */
    public decide(key: string): PayoffDecision {
        const entry = this.entries.get(key);
        if (entry == null || entry.rounds < this.minRounds || !this.losing(entry))
            return "draft";
        entry.skipped++;
        if (entry.skipped < entry.backoff)
            return "skip";
        entry.skipped = 0;
        entry.backoff = Math.min(this.maxBackoff, entry.backoff * 2);
        return "retry";
    }

    /** Whether `key` is stopped (measured enough, and losing): what {@link decide} acts on, read only. */
    public stopped(key: string): boolean {
        const entry = this.entries.get(key);
        return entry != null && entry.rounds >= this.minRounds && this.losing(entry);
    }

    /**
     * Whether the rounds say `entry` loses: its average is below zero by more than the average's own
     * noise (STOP_STANDARD_ERRORS standard errors, from the rounds' spread and the moving average's effective number of
     * rounds). A round's saving is all or nothing — a verify of five whose first token is rejected saves
     * −1.3 tokens, one accepted whole +3.7 — so an average over the last few rounds of a paying source
     * dips below zero often; stopping it then cost 5–10 % of the draft model's speed-up on the code pair
     * (hybrid 1.39–1.41× → 1.47–1.48×, 3 bench runs each). A source that loses every round has little
     * spread and is stopped as soon as before.
     */
    private losing(entry: Entry): boolean {
        const samples = Math.min(entry.rounds, (2 - this.smoothing) / this.smoothing);
        const spread = Math.sqrt(Math.max(0, entry.squares - entry.average * entry.average) / samples);
        return entry.average + STOP_STANDARD_ERRORS * spread < 0;
    }

    /** Average tokens saved per round from `key`; undefined before its first round. */
    public average(key: string): number | undefined {
        const entry = this.entries.get(key);
        return entry == null || entry.rounds === 0 ? undefined : entry.average;
    }

    /** Rounds recorded for `key`. */
    public measuredRounds(key: string): number {
        return this.entries.get(key)?.rounds ?? 0;
    }

    private entry(key: string): Entry {
        let entry = this.entries.get(key);
        if (entry == null) {
            entry = { average: 0, squares: 0, rounds: 0, skipped: 0, backoff: this.firstBackoff };
            this.entries.set(key, entry);
        }
        return entry;
    }
}
