// A loopback HTTP server that serves model files the way a model host does: HEAD, GET, byte ranges
// (so interrupted downloads can resume), and an optional throttle so a test can cancel mid-way.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface ServedFile {
    readonly name: string;
    readonly data: Buffer;
    /** Answer every request with the whole file, ignoring Range (a misbehaving server). */
    readonly ignoreRange?: boolean;
}

export interface LoopbackModelServer {
    readonly baseUrl: string;
    /** Range headers received, in order (undefined for a plain GET). */
    readonly ranges: (string | undefined)[];
    /** Bytes per 10 ms tick; 0 sends everything at once. */
    bytesPerTick: number;
    close(): Promise<void>;
}

export async function startLoopbackModelServer(files: readonly ServedFile[]): Promise<LoopbackModelServer> {
    const sockets = new Set<import("node:net").Socket>();
    const state = { ranges: [] as (string | undefined)[], bytesPerTick: 0 };
    const server = http.createServer((request, response) => {
        const name = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname.slice(1));
        const file = files.find((candidate) => candidate.name === name);
        if (file == null) {
            response.writeHead(404).end("not found");
            return;
        }
        let start = 0;
        let end = file.data.length - 1;
        const range = file.ignoreRange === true ? undefined : request.headers.range;
        if (request.method === "GET")
            state.ranges.push(range);
        const match = range != null ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
        const headers: http.OutgoingHttpHeaders = {
            "content-type": "application/octet-stream",
            "accept-ranges": "bytes",
            "content-disposition": `attachment; filename="${file.name}"`
        };
        if (match != null) {
            start = match[1] !== "" ? Number(match[1]) : 0;
            end = match[2] !== "" ? Math.min(Number(match[2]), end) : end;
            headers["content-range"] = `bytes ${start}-${end}/${file.data.length}`;
        }
        headers["content-length"] = end - start + 1;
        response.writeHead(match != null ? 206 : 200, headers);
        if (request.method === "HEAD") {
            response.end();
            return;
        }
        const body = file.data.subarray(start, end + 1);
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
            } else {
                response.write(chunk);
            }
        }, 10);
        response.on("close", () => clearInterval(timer));
    });
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        baseUrl: `http://127.0.0.1:${port}`,
        ranges: state.ranges,
        get bytesPerTick() { return state.bytesPerTick; },
        set bytesPerTick(value: number) { state.bytesPerTick = value; },
        close: () => new Promise<void>((resolve) => {
            for (const socket of sockets)
                socket.destroy();
            server.close(() => resolve());
        })
    };
}
