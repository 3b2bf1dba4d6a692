// Server-sent events as llama-server writes them (`data: {json}\n\n`, `:` comment lines as pings),
// read from a byte stream cut at arbitrary places: inside a line, inside a CRLF, inside a UTF-8
// character. No `vscode` import.

/** Longest event accepted, in characters: a server that never ends an event must not fill memory. */
const maxEventChars = 4 * 1024 * 1024;

export class SseFormatError extends Error {}

export class SseParser {
    private readonly decoder = new TextDecoder("utf-8", { fatal: false });
    private buffer = "";
    private data: string[] = [];
    private eventChars = 0;
    /** The previous chunk ended with "\r": a "\n" opening the next one belongs to it. */
    private pendingCr = false;

    /** Feeds bytes; returns the `data` of every event completed by them, in order. */
    public push(chunk: Uint8Array): string[] {
        return this.feed(this.decoder.decode(chunk, { stream: true }));
    }

    /**
     * The stream ended. Returns the data of a last event that was complete but for its blank line
     * (some servers close right after the final `data:` line) and whether anything was left half-written.
     */
    public end(): { readonly events: string[]; readonly truncated: boolean } {
        const events = this.feed(this.decoder.decode());
        const partialLine = this.buffer;
        this.buffer = "";
        if (partialLine !== "")
            return { events, truncated: true };
        if (this.data.length > 0) {
            events.push(this.data.join("\n"));
            this.data = [];
        }
        return { events, truncated: false };
    }

    private feed(text: string): string[] {
        if (this.pendingCr && text.startsWith("\n"))
            text = text.slice(1);
        this.pendingCr = false;
        this.buffer += text;
        const events: string[] = [];
        const match = /\r\n|\r|\n/g;
        let start = 0;
        while (true) {
            match.lastIndex = start;
            const found = match.exec(this.buffer);
            if (found == null)
                break;
            // A lone "\r" at the very end may be the first half of "\r\n".
            if (found[0] === "\r" && found.index === this.buffer.length - 1)
                this.pendingCr = true;
            this.line(this.buffer.slice(start, found.index), events);
            start = found.index + found[0].length;
        }
        this.buffer = this.buffer.slice(start);
        if (this.buffer.length + this.eventChars > maxEventChars)
            throw new SseFormatError(`an event longer than ${maxEventChars} characters`);
        return events;
    }

    private line(line: string, events: string[]): void {
        if (line === "") {
            if (this.data.length > 0)
                events.push(this.data.join("\n"));
            this.data = [];
            this.eventChars = 0;
            return;
        }
        if (line.startsWith(":"))
            return;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" "))
            value = value.slice(1);
        // Only `data` carries anything for llama-server; `event`, `id` and `retry` are ignored.
        if (field === "data") {
            this.data.push(value);
            this.eventChars += value.length;
        }
    }
}
