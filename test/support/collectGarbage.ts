// A full garbage collection, for tests of cancellation that must not depend on what the collector
// keeps: `global.gc` under `node --expose-gc` (scripts/test.mjs runs the suites so), else exposed here.
import * as v8 from "node:v8";
import * as vm from "node:vm";

export function collectGarbage(): void {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed != null)
        return exposed();
    v8.setFlagsFromString("--expose-gc");
    (vm.runInNewContext("gc") as () => void)();
}
