import * as assert from "node:assert/strict";
import { decodingOptions, engineDecodingOptionNames, withDecodingDefaults } from "../../../src/common/decodingOptions";

describe("decoding options (src/common/decodingOptions.ts)", () => {
    it("gives the engine each option's declared default when none is given", () => {
        assert.deepEqual(withDecodingDefaults({}), { speculative: true, drafter: "hybrid", draftMax: 8, adaptiveDraft: true, draftConfidence: 0, lookupPool: false });
        for (const name of engineDecodingOptionNames)
            assert.equal(withDecodingDefaults({})[name], decodingOptions[name].default, name);
    });

    it("keeps every option given, 0 and false included, and ignores fields that are not decoding options", () => {
        const given = { speculative: false, drafter: "ngram", draftMax: 0, adaptiveDraft: false, draftConfidence: 0.25, lookupPool: true } as const;
        assert.deepEqual(withDecodingDefaults({ ...given, targetPath: "/models/t.gguf" } as Parameters<typeof withDecodingDefaults>[0]), given);
        assert.equal(withDecodingDefaults({ draftMax: undefined }).draftMax, 8);
    });
});
