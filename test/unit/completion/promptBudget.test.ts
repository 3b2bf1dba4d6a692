import * as assert from "node:assert/strict";
import { promptBudget, usableContextSize } from "../../../src/completion/promptBudget";

describe("usableContextSize", () => {
    it("plans for the backend's context when it is smaller than the setting (a model trained on less, a server slot)", () => {
        assert.equal(usableContextSize(2048, 1024), 1024);
        // The windows shrink with it: planned for 2048, a 1024-token model's prompt sat at its limit.
        assert.ok(promptBudget(usableContextSize(2048, 1024), 48).prefixChars < promptBudget(2048, 48).prefixChars);
    });

    it("keeps the setting when the backend has more, or is not known yet", () => {
        assert.equal(usableContextSize(2048, 4096), 2048);
        assert.equal(usableContextSize(2048, undefined), 2048);
        assert.equal(usableContextSize(2048, 0), 2048);
        assert.equal(usableContextSize(2048, Number.NaN), 2048);
    });
});
