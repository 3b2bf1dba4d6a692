import * as assert from "node:assert/strict";
import { useFlashAttention } from "../../../src/engine/loadModelPair";

describe("useFlashAttention", () => {
    it("is off on the CPU, where it slowed decoding down, and left to node-llama-cpp on a GPU", () => {
        assert.equal(useFlashAttention({ gpu: false }, { gpu: "auto" }), false);
        assert.equal(useFlashAttention({ gpu: "cuda" }, { gpu: "off" }), false);
        assert.equal(useFlashAttention({ gpu: "cuda" }, { gpu: "auto" }), "auto");
        assert.equal(useFlashAttention({ gpu: "metal" }, {}), "auto");
    });
});
