import * as assert from "node:assert/strict";
import { formatBytes } from "../../../src/common/formatBytes";

describe("formatBytes", () => {
    it("writes binary units, one decimal for GiB", () => {
        assert.deepEqual([512, 12 * 1024, 412 * 1024 ** 2, 3.24 * 1024 ** 3].map(formatBytes), ["512 B", "12 KiB", "412 MiB", "3.2 GiB"]);
    });
});
