import * as assert from "node:assert/strict";
import { serverMessage } from "../../../src/llamaServer/LlamaServerHttp";
import { parseStreamEvent } from "../../../src/llamaServer/llamaServerProtocol";
import { redactSecrets } from "../../../src/llamaServer/redactSecrets";

describe("server texts without secrets", () => {
    it("cuts out the API key wherever it appears, and anything shaped like a credential", () => {
        assert.equal(redactSecrets("key k3y-0f-mine is not valid", "k3y-0f-mine"), "key [redacted] is not valid");
        assert.equal(redactSecrets("invalid key Bearer sk-abc123def456ghi"), "invalid key Bearer [redacted]");
        assert.equal(redactSecrets("authorization: bearer abc.def-ghi"), "authorization: bearer [redacted]");
        assert.equal(redactSecrets("got sk-proj-Abc123_xyz789 and hf_AbCdEfGhIjKlMn"), "got sk-[redacted] and hf_[redacted]");
        assert.equal(redactSecrets("url ?api_key=abc123&x=1, password: \"hunter22\""), "url ?api_key=[redacted]&x=1, password: \"[redacted]\"");
        assert.equal(redactSecrets("Basic dXNlcjpwYXNz"), "Basic [redacted]");
    });

    it("leaves ordinary server messages alone, and short keys are not searched as text", () => {
        for (const text of ["Infill is not supported by this model: prefix token is missing.", "Loading model", "the token budget is 128", "basic settings"])
            assert.equal(redactSecrets(text, "abc"), text);
    });

    it("is applied to HTTP error bodies and to errors streamed mid-answer", () => {
        assert.equal(serverMessage({ error: { message: "Invalid API Key Bearer s3cr3t-key-77" } }), "Invalid API Key Bearer [redacted]");
        assert.equal(serverMessage("rejected token s3cr3t-key-77 (expired)", "s3cr3t-key-77"), "rejected token [redacted] (expired)");
        assert.throws(() => parseStreamEvent({ error: { code: 401, message: "no: Bearer sk-1234567890abcdef" } }), (error: Error) => {
            assert.match(error.message, /no: Bearer \[redacted\]$/);
            return true;
        });
    });
});
