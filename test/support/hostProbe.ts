// Preloaded into an engine host with `node --require` (NODE_OPTIONS) by the reliability tests.
// - Records every attempt to open a network connection or resolve a host name — TCP/TLS sockets
//   (which fetch/undici, http and https all end up in), DNS look-ups and UDP sockets — as one JSON
//   line in $SPECULA_NETWORK_LOG. Nothing is blocked; the test decides what was allowed. Unix-domain
//   sockets and pipes (the IPC channel) are not network traffic and are not recorded.
// - With $SPECULA_MEMORY_PROBE set (and --expose-gc), SIGUSR2 runs a full GC and writes
//   process.memoryUsage() as JSON to that file, so a test can read the host's heap after GC.
// `import x = require()`: the real module objects, not read-only namespace copies, so patches reach
// every other user of the module.
import dgram = require("node:dgram");
import dns = require("node:dns");
import fs = require("node:fs");
import net = require("node:net");

const logFile = process.env.SPECULA_NETWORK_LOG;

function record(kind: string, target: string): void {
    if (logFile == null)
        return;
    const stack = (new Error().stack ?? "").split("\n").slice(3, 6).map((line) => line.trim());
    fs.appendFileSync(logFile, JSON.stringify({ pid: process.pid, kind, target, stack }) + "\n");
}

function describeConnect(args: unknown[]): string | undefined {
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    if (typeof first === "object" && first != null) {
        const options = first as { path?: string; host?: string; port?: number };
        if (options.path != null)
            return undefined;
        return `${options.host ?? "localhost"}:${String(options.port)}`;
    }
    if (typeof first === "string" && Number.isNaN(Number(first)))
        return undefined; // a pipe path
    return `${typeof args[1] === "string" ? args[1] : "localhost"}:${String(first)}`;
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const target = describeConnect(args);
    if (target != null)
        record("tcp", target);
    return (originalConnect as (...inner: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

const originalLookup = dns.lookup;
(dns as { lookup: unknown }).lookup = function (hostname: string, ...rest: unknown[]) {
    record("dns", hostname);
    return (originalLookup as (...inner: unknown[]) => unknown)(hostname, ...rest);
};
const originalPromisesLookup = dns.promises.lookup;
try {
    Object.defineProperty(dns.promises, "lookup", {
        configurable: true,
        value: function (hostname: string, ...rest: unknown[]) {
            record("dns", hostname);
            return (originalPromisesLookup as (...inner: unknown[]) => unknown)(hostname, ...rest);
        }
    });
} catch {
    // Not patchable in this Node version; the TCP connection that follows a look-up is recorded anyway.
}
for (const name of ["resolve", "resolve4", "resolve6", "resolveAny"] as const) {
    const original = dns[name] as (...inner: unknown[]) => unknown;
    (dns as unknown as Record<string, unknown>)[name] = function (hostname: string, ...rest: unknown[]) {
        record("dns", hostname);
        return original(hostname, ...rest);
    };
}

const originalCreateSocket = dgram.createSocket;
(dgram as { createSocket: unknown }).createSocket = function (...args: unknown[]) {
    record("udp", JSON.stringify(args[0]));
    return (originalCreateSocket as (...inner: unknown[]) => unknown)(...args);
};


const memoryProbe = process.env.SPECULA_MEMORY_PROBE;
if (memoryProbe != null)
    process.on("SIGUSR2", () => {
        (globalThis as { gc?: () => void }).gc?.();
        fs.writeFileSync(`${memoryProbe}.tmp`, JSON.stringify(process.memoryUsage()));
        fs.renameSync(`${memoryProbe}.tmp`, memoryProbe);
    });
