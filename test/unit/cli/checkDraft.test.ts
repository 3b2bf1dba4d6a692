import * as assert from "node:assert/strict";
import { requireUsableDraft, unusableDraftNotice } from "../../../src/cli/checkDraft";
import type { EngineInfo } from "../../../src/common/EngineOptions";
import { SpeculaError } from "../../../src/engine/SpeculaError";

const loaded: EngineInfo = {
    targetPath: "/m/t.gguf", fim: true, gpu: false, binary: "prebuilt", contextSize: 4096, targetName: "t", speculationAvailable: false
};
// The engine's own words (src/engine/SpeculativeEngine.ts), which are right for the editor.
const incompatible: EngineInfo = {
    ...loaded, draftPath: "/m/d.gguf", draftName: "d",
    speculationUnavailableReason: "The draft model \"/m/d.gguf\" cannot draft for \"/m/t.gguf\": the vocabularies differ. Speculation is off; completions use the target alone."
};

describe("an unusable draft on the command line", () => {
    it("complete: one stderr line that says the target completes alone", () => {
        assert.equal(unusableDraftNotice(incompatible),
            "[specula] The draft model \"/m/d.gguf\" cannot draft for \"/m/t.gguf\": the vocabularies differ. Completing with the target alone.");
        assert.equal(unusableDraftNotice(loaded), undefined);
        assert.equal(unusableDraftNotice({ ...incompatible, speculationAvailable: true, speculationUnavailableReason: undefined }), undefined);
    });

    it("bench and latency: stop, and do not claim that completions go on with the target alone", () => {
        assert.throws(() => requireUsableDraft(incompatible, "bench"), (error: unknown) => {
            assert.ok(error instanceof SpeculaError);
            assert.equal(error.code, "INCOMPATIBLE_VOCABULARY");
            assert.equal(error.message, "The draft model \"/m/d.gguf\" cannot draft for \"/m/t.gguf\": the vocabularies differ. bench measures drafting, so it stops.");
            return true;
        });
        requireUsableDraft(loaded, "latency");
    });
});
