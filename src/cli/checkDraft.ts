import type { EngineInfo } from "../common/EngineOptions";
import { SpeculaError } from "../engine/SpeculaError";

/**
 * Why the given draft cannot draft for the target, without the engine's "Speculation is off;
 * completions use the target alone" (true in the editor and for `complete`, not for a bench that
 * stops); undefined when there is no draft or it can be used.
 */
function unusableDraftReason(info: EngineInfo): string | undefined {
    if (info.draftPath == null || info.speculationAvailable)
        return undefined;
    const reason = info.speculationUnavailableReason ?? "The draft model cannot draft for this target.";
    return reason.replace(/\s*Speculation is off;[^.]*\.\s*$/, "").replace(/([^.])$/, "$1.");
}

/** For `complete`: the stderr line that says an unusable draft is left out and the target completes alone. */
export function unusableDraftNotice(info: EngineInfo): string | undefined {
    const reason = unusableDraftReason(info);
    return reason == null ? undefined : `[specula] ${reason} Completing with the target alone.`;
}

/** For `bench` and `latency`, which compare drafting with the target alone: an unusable draft stops them. */
export function requireUsableDraft(info: EngineInfo, command: string): void {
    const reason = unusableDraftReason(info);
    if (reason != null)
        throw new SpeculaError("INCOMPATIBLE_VOCABULARY", `${reason} ${command} measures drafting, so it stops.`);
}
