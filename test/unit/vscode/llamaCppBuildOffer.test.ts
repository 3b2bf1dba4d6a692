import * as assert from "node:assert/strict";
import { llamaCppBuildOffer } from "../../../src/vscode/llamaCppBuildOffer";

describe("llamaCppBuildOffer (the status bar menu's llama.cpp entry)", () => {
    it("offers the build where speculation runs on the CPU with the prebuilt binary", () => {
        assert.equal(llamaCppBuildOffer({ binary: "prebuilt", gpu: false }, true)?.action, "build");
    });

    it("offers nothing for a GPU or with speculation off; the way back from a local build; the build where nothing loaded", () => {
        assert.equal(llamaCppBuildOffer({ binary: "prebuilt", gpu: "cuda" }, true), undefined);
        assert.equal(llamaCppBuildOffer({ binary: "prebuilt", gpu: false }, false), undefined);
        assert.equal(llamaCppBuildOffer({ binary: "localBuild", gpu: false }, true)?.action, "usePrebuilt");
        assert.deepEqual(llamaCppBuildOffer(undefined, false), { action: "build", description: "when no prebuilt binary loads" });
    });
});
