// The engine host's end of the IPC channel. vscode-jsonrpc reads `message.params.id` of every
// `$/cancelRequest` before any handler runs, so a cancel with no, null, string or list params
// would throw inside the library and end the process; such messages (and anything that is not a
// JSON-RPC object at all) are dropped here, before the connection sees them, and logged; so are
// lines on the channel that are not JSON at all, which Node's own parsing would end the process on.
import { StringDecoder } from "node:string_decoder";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type Message, type MessageConnection, type MessageReader } from "vscode-jsonrpc/node";
import { logNotification } from "./protocol";

/** Why a message must not reach vscode-jsonrpc, or undefined when it may. */
export function malformedMessage(message: unknown): string | undefined {
    if (message == null || typeof message !== "object" || Array.isArray(message))
        return "a message that is not a JSON-RPC object";
    const record = message as Record<string, unknown>;
    if (record.method === "$/cancelRequest") {
        const params = record.params;
        if (params == null || typeof params !== "object" || Array.isArray(params))
            return "a $/cancelRequest without an object as params";
        const id = (params as Record<string, unknown>).id;
        if (typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id)))
            return "a $/cancelRequest whose id is not a number or string";
    }
    return undefined;
}

/** Passes every message on to the connection except malformed ones, which go to `onDropped`. */
export function guardReader(reader: MessageReader, onDropped: (reason: string) => void): MessageReader {
    return {
        onError: reader.onError,
        onClose: reader.onClose,
        onPartialMessage: reader.onPartialMessage,
        listen: (callback) => reader.listen((message: Message) => {
            const reason = malformedMessage(message);
            if (reason != null)
                onDropped(reason);
            else
                callback(message);
        }),
        dispose: () => reader.dispose()
    };
}

/** The parts of Node's IPC channel handle (internal to Node) that {@link tolerateNonJsonLines} uses. */
interface ChannelHandle {
    onread: (this: unknown, data?: ArrayBuffer, ...rest: unknown[]) => unknown;
    buffering?: boolean;
    [key: symbol]: unknown;
}

/** An own symbol-keyed property of `target` whose symbol has this description. */
function symbolNamed(target: object, description: string): symbol | undefined {
    return Object.getOwnPropertySymbols(target).find((symbol) => symbol.description === description);
}

/**
 * Node reads a JSON IPC channel line by line and parses each line with JSON.parse inside the
 * channel's read callback: a line that is not JSON throws there, which ends the process, and the
 * complete lines after it in the same read are never parsed. Only the parent writes on this
 * channel, but a bug there must cost a log line, not the engine and its loaded models. This wraps
 * that callback (Node internals, found by the names Node gives them; where they are not found,
 * nothing changes and false is returned): after a line that is not JSON, it reports the line,
 * delivers the read's later lines as Node would have, and leaves the read's unfinished last line
 * in the channel's line buffer, where Node would have left it.
 */
export function tolerateNonJsonLines(onDropped: (reason: string) => void, target: NodeJS.Process = process): boolean {
    const handleKey = symbolNamed(target, "kChannelHandle");
    const handle = handleKey != null ? (target as unknown as Record<symbol, ChannelHandle | undefined>)[handleKey] : undefined;
    const lineBuffer = handle != null ? symbolNamed(handle, "kJSONBuffer") : undefined;
    if (handle == null || lineBuffer == null || typeof handle.onread !== "function")
        return false;
    const read = handle.onread;
    handle.onread = function (data, ...rest) {
        // The start of a line that earlier reads left unfinished.
        const lineStart = handle[lineBuffer];
        try {
            return read.call(this, data, ...rest);
        } catch (error) {
            // Node hands each read over as an ArrayBuffer of exactly the bytes read.
            const bytes = data instanceof ArrayBuffer ? Buffer.from(data) : undefined;
            const lastBreak = bytes?.lastIndexOf(0x0a) ?? -1;
            if (!(error instanceof SyntaxError) || bytes == null || lastBreak < 0 || typeof lineStart !== "string")
                throw error;
            const lines = bytes.subarray(0, lastBreak).toString("utf8").split("\n");
            lines[0] = lineStart + lines[0];
            let delivered = true;
            for (const line of lines) {
                let message: unknown;
                try {
                    message = JSON.parse(line);
                } catch {
                    delivered = false;
                    onDropped(`a line of ${line.length} characters on the IPC channel that is not JSON (${JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}…` : line)})`);
                    continue;
                }
                // Node delivered the lines before the first one that is not JSON.
                if (delivered)
                    continue;
                if (isNodeInternal(message))
                    onDropped("a Node-internal message after a line that is not JSON");
                else
                    process.nextTick(() => target.emit("message", message, undefined));
            }
            const tail = new StringDecoder("utf8").write(bytes.subarray(lastBreak + 1));
            handle[lineBuffer] = tail;
            handle.buffering = tail.length !== 0;
            return undefined;
        }
    };
    return true;
}

/** Node's own messages on the channel ("NODE_HANDLE" and the like), which the engine host never gets. */
function isNodeInternal(message: unknown): boolean {
    return message != null && typeof message === "object" && typeof (message as { cmd?: unknown }).cmd === "string" && (message as { cmd: string }).cmd.startsWith("NODE_");
}

/** The connection an engine host process serves on: its parent's IPC channel, guarded. */
export function createHostConnection(): MessageConnection {
    const log = (reason: string) => {
        // Called only for messages read after the connection below exists.
        void connection.sendNotification(logNotification, { level: "warn", message: `Ignored ${reason}.` }).catch(() => undefined);
    };
    tolerateNonJsonLines(log);
    const reader = guardReader(new IPCMessageReader(process), log);
    const connection = createMessageConnection(reader, new IPCMessageWriter(process));
    return connection;
}
