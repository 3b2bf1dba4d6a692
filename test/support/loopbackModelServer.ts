// A loopback HTTP server that serves model files the way a model host does: HEAD, GET, byte ranges
// (so interrupted downloads can resume), and an optional throttle so a test can cancel mid-way.
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ServedFile {
    readonly name: string;
    readonly data: Buffer;
    /** Answer every request with the whole file, ignoring Range (a misbehaving server). */
    readonly ignoreRange?: boolean;
    /** Send no Content-Length and no Accept-Ranges (a chunked stream of unknown size). */
    readonly unknownLength?: boolean;
    /** Cut the connection after this many bytes of the body, on every request. */
    readonly dropAfterBytes?: number;
    /** Answer 302 with this Location instead of the file. */
    readonly redirectTo?: string;
    /** Content-Type to send (defaults to application/octet-stream). */
    readonly contentType?: string;
}

export interface LoopbackModelServer {
    readonly baseUrl: string;
    /** Range headers received, in order (undefined for a plain GET). */
    readonly ranges: (string | undefined)[];
    /** Every request received, as "METHOD /path". */
    readonly requests: string[];
    /** Bytes per 10 ms tick; 0 sends everything at once. */
    bytesPerTick: number;
    /** When > 0: each answer sends this many bytes of its body, then nothing, and ends by itself after 3 s. */
    stallAfterBytes: number;
    close(): Promise<void>;
}

export async function startLoopbackModelServer(files: readonly ServedFile[]): Promise<LoopbackModelServer> {
    const state = { ranges: [] as (string | undefined)[], requests: [] as string[], bytesPerTick: 0, stallAfterBytes: 0 };
    const server = http.createServer((request, response) => {
        state.requests.push(`${request.method ?? "?"} ${request.url ?? "/"}`);
        const name = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname.slice(1));
        const file = files.find((candidate) => candidate.name === name);
        if (file == null) {
            response.writeHead(404).end("not found");
            return;
        }
        if (file.redirectTo != null) {
            response.writeHead(302, { location: file.redirectTo }).end();
            return;
        }
        let start = 0;
        let end = file.data.length - 1;
        const range = file.ignoreRange === true || file.unknownLength === true ? undefined : request.headers.range;
        if (request.method === "GET")
            state.ranges.push(range);
        const match = range != null ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
        const headers: http.OutgoingHttpHeaders = {
            "content-type": file.contentType ?? "application/octet-stream",
            ...(file.unknownLength === true ? {} : { "accept-ranges": "bytes" }),
            "content-disposition": `attachment; filename="${file.name}"`
        };
        if (match != null) {
            start = match[1] !== "" ? Number(match[1]) : 0;
            end = match[2] !== "" ? Math.min(Number(match[2]), end) : end;
            headers["content-range"] = `bytes ${start}-${end}/${file.data.length}`;
        }
        if (file.unknownLength !== true)
            headers["content-length"] = end - start + 1;
        response.writeHead(match != null ? 206 : 200, headers);
        if (request.method === "HEAD") {
            response.end();
            return;
        }
        const body = file.data.subarray(start, end + 1);
        if (file.dropAfterBytes != null) {
            response.write(body.subarray(0, file.dropAfterBytes), () => setTimeout(() => response.socket?.destroy(), 20));
            return;
        }
        if (state.stallAfterBytes > 0) {
            response.write(body.subarray(0, state.stallAfterBytes));
            const timer = setTimeout(() => response.end(), 3000);
            response.on("close", () => clearTimeout(timer));
            return;
        }
        if (state.bytesPerTick <= 0) {
            response.end(body);
            return;
        }
        let offset = 0;
        const timer = setInterval(() => {
            if (response.destroyed) {
                clearInterval(timer);
                return;
            }
            const chunk = body.subarray(offset, offset + state.bytesPerTick);
            offset += chunk.length;
            if (offset >= body.length) {
                clearInterval(timer);
                response.end(chunk);
            } else
                response.write(chunk);
        }, 10);
        response.on("close", () => clearInterval(timer));
    });
    const { port, close } = await listenOnLoopback(server);
    return {
        baseUrl: `http://127.0.0.1:${port}`,
        ranges: state.ranges,
        requests: state.requests,
        get bytesPerTick() { return state.bytesPerTick; },
        set bytesPerTick(value: number) { state.bytesPerTick = value; },
        get stallAfterBytes() { return state.stallAfterBytes; },
        set stallAfterBytes(value: number) { state.stallAfterBytes = value; },
        close
    };
}

/**
 * Starts `server` on a free loopback port; `close` cuts every open connection (a test's server may be
 * holding an answer open on purpose) and resolves once the server has stopped.
 */
export async function listenOnLoopback(server: http.Server): Promise<{ readonly port: number; close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        port,
        close: () => new Promise<void>((resolve) => {
            for (const socket of sockets)
                socket.destroy();
            server.close(() => resolve());
        })
    };
}
