// The engine host's end of the IPC channel. vscode-jsonrpc reads `message.params.id` of every
// `$/cancelRequest` before any handler runs, so a cancel with no, null, string or list params
// would throw inside the library and end the process; such messages (and anything that is not a
// JSON-RPC object at all) are dropped here, before the connection sees them, and logged.
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

/** The connection an engine host process serves on: its parent's IPC channel, guarded. */
export function createHostConnection(): MessageConnection {
    let connection: MessageConnection | undefined;
    const reader = guardReader(new IPCMessageReader(process), (reason) => {
        void connection?.sendNotification(logNotification, { level: "warn", message: `Ignored ${reason}.` }).catch(() => undefined);
    });
    connection = createMessageConnection(reader, new IPCMessageWriter(process));
    return connection;
}
