import * as assert from "node:assert/strict";
import { SseFormatError, SseParser } from "../../../src/llamaServer/SseParser";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

/** Feeds `chunks` and returns every event's data, then what end() says. */
function parse(chunks: Uint8Array[]): { events: string[]; truncated: boolean } {
    const parser = new SseParser();
    const events = chunks.flatMap((chunk) => parser.push(chunk));
    const end = parser.end();
    return { events: [...events, ...end.events], truncated: end.truncated };
}

describe("server-sent events parser", () => {
    const stream = 'data: {"content":"é→","stop":false}\n\n: ping\n\ndata: {"content":"b","stop":true}\n\n';

    it("gives the same events however the bytes are cut (inside lines and inside UTF-8 characters)", () => {
        const all = bytes(stream);
        const whole = parse([all]);
        assert.deepEqual(whole.events, ['{"content":"é→","stop":false}', '{"content":"b","stop":true}']);
        assert.equal(whole.truncated, false);
        for (let cut = 1; cut < all.length; cut++)
            assert.deepEqual(parse([all.slice(0, cut), all.slice(cut)]).events, whole.events, `cut at byte ${cut}`);
        assert.deepEqual(parse([...all].map((byte) => new Uint8Array([byte]))).events, whole.events, "one byte at a time");
    });

    it("reads CRLF and CR line ends, also when a CRLF is split between chunks", () => {
        assert.deepEqual(parse([bytes("data: a\r\n\r\ndata: b\r\r")]).events, ["a", "b"]);
        assert.deepEqual(parse([bytes("data: a\r"), bytes("\n\r"), bytes("\ndata: b\r\n\r\n")]).events, ["a", "b"]);
        // A CRLF split after its CR is one line end, not two (two would end the event early).
        assert.deepEqual(parse([bytes("data: a\r"), bytes("\ndata: b\r\n\r\n")]).events, ["a\nb"]);
    });

    it("joins multi-line data, ignores comments and other fields", () => {
        assert.deepEqual(parse([bytes("event: x\nid: 3\ndata: one\ndata:two\n: comment\n\n")]).events, ["one\ntwo"]);
    });

    it("says when the stream stops inside an event, and keeps a last event that lacks only its blank line", () => {
        assert.deepEqual(parse([bytes('data: {"content":"a"}\n\ndata: {"cont')]), { events: ['{"content":"a"}'], truncated: true });
        assert.deepEqual(parse([bytes('data: {"content":"a"}\n')]), { events: ['{"content":"a"}'], truncated: false });
    });

    it("refuses an event that never ends instead of filling memory", () => {
        const parser = new SseParser();
        const chunk = bytes(`data: ${"x".repeat(1024 * 1024)}`);
        assert.throws(() => {
            for (let i = 0; i < 8; i++)
                parser.push(chunk);
        }, SseFormatError);
    });
});
