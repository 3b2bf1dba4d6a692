// The real engine host process against malformed messages (issue 13): `$/cancelRequest` with
// missing, null, string or list params or a null id once threw inside vscode-jsonrpc and ended the
// process; unchecked numbers (maxTokens "abc", draftMax −100 000) reached the engine. Every bad
// message must be survived and every bad request answered with one clear error.
import * as assert from "node:assert/strict";
import { fork, spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import * as fs from "node:fs";
import * as path from "node:path";
import { smallFixtures } from "../support/engineTestSupport";

const engineHostScript = path.resolve(__dirname, "../../../dist/engineHost.js");

interface RpcResponse {
    readonly id: number;
    readonly result?: unknown;
    readonly error?: { readonly code: number; readonly message: string; readonly data?: { readonly code?: string } };
}

class RawHost {
    private readonly child: ChildProcess;
    private readonly waiting = new Map<number, (response: RpcResponse) => void>();
    private nextId = 1;
    public exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    public stderr = "";

    public constructor() {
        this.child = fork(engineHostScript, [], { stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "json", execArgv: [] });
        this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => { this.stderr += chunk; });
        this.child.on("message", (message: RpcResponse) => this.waiting.get(message.id)?.(message));
        this.child.on("exit", (code, signal) => { this.exit = { code, signal }; });
    }

    public get alive(): boolean {
        return this.exit == null;
    }

    /** Sends anything at all, as a peer could. */
    public raw(message: unknown): void {
        this.child.send(message as object);
    }

    public request(method: string, params?: unknown, timeoutMs = 60_000): Promise<RpcResponse> {
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${method} got no answer in ${timeoutMs} ms (host ${this.alive ? "alive" : `exited ${JSON.stringify(this.exit)}`})`)), timeoutMs);
            this.waiting.set(id, (response) => {
                clearTimeout(timer);
                resolve(response);
            });
            this.child.send({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) });
        });
    }

    public kill(): void {
        this.child.kill("SIGKILL");
    }
}

describe("engine host process: malformed messages and params", function () {
    this.timeout(120_000);
    let host: RawHost;

    before(async () => {
        host = new RawHost();
        const paths = await smallFixtures();
        const loaded = await host.request("specula/load", {
            target: { uri: paths.smallTarget }, draft: { uri: paths.smallDraft }, modelDirectory: "", fixtureDirectory: "",
            options: { gpu: "off", threads: 1, contextSize: 2048 }
        });
        assert.equal(loaded.error, undefined, JSON.stringify(loaded.error));
    });
    after(() => host.kill());

    it("survives malformed $/cancelRequest and non-JSON-RPC messages", async () => {
        const garbage: unknown[] = [
            { jsonrpc: "2.0", method: "$/cancelRequest" },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: null },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: "7" },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: [7] },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: { id: null } },
            { jsonrpc: "2.0", method: "$/cancelRequest", params: {} },
            { jsonrpc: "2.0", id: null, method: "specula/stats" },
            "not an object", 42, [], { jsonrpc: "2.0" }
        ];
        for (const message of garbage) {
            host.raw(message);
            const stats = await host.request("specula/stats", undefined, 10_000);
            assert.ok(host.alive, `the host died after ${JSON.stringify(message)}: ${host.stderr}`);
            assert.equal(stats.error, undefined, `after ${JSON.stringify(message)}`);
        }
        console.log(`      ${garbage.length} malformed messages: the host answered a stats request after each`);
    });

    it("answers bad request params with a BAD_ARGUMENT error naming the field, and completes normally afterwards", async () => {
        const bad: Array<[string, unknown, RegExp]> = [
            ["specula/complete", { requestId: 1, prefix: "x", maxTokens: "abc" }, /maxTokens must be a finite number, not "abc"/],
            ["specula/complete", { requestId: 2, prefix: "x", maxTokens: null }, /maxTokens must be a finite number, not null/],
            ["specula/complete", { requestId: 3, prefix: "x", maxTokens: -1 }, /maxTokens must be from 0/],
            ["specula/complete", { requestId: 4, prefix: "x", maxTokens: 1e12 }, /maxTokens must be from 0 to/],
            ["specula/complete", { requestId: 5, prefix: 42 }, /prefix must be a string/],
            ["specula/complete", null, /params must be an object/],
            ["specula/complete", [1, 2], /params must be an object/],
            ["specula/setDecodingOptions", { draftMax: -100_000 }, /draftMax must be from 0 to 64, not -100000/],
            ["specula/setDecodingOptions", { draftMax: 1e9 }, /draftMax must be from 0 to 64/],
            ["specula/load", { target: { uri: 5 }, modelDirectory: "", fixtureDirectory: "", options: {} }, /target\.uri must be a string/],
            ["specula/download", { downloadId: 1, sources: "x", modelDirectory: "" }, /sources must be a list/],
            ["specula/resolve", { sources: [{ uri: "/x.gguf" }] }, /modelDirectory is missing/]
        ];
        for (const [method, params, message] of bad) {
            const response = await host.request(method, params);
            assert.ok(response.error != null, `${method} ${JSON.stringify(params)} was accepted`);
            assert.equal(response.error.data?.code, "BAD_ARGUMENT", response.error.message);
            assert.match(response.error.message, message);
            assert.ok(host.alive);
        }
        const completed = await host.request("specula/complete", { requestId: 9, prefix: "export function ", maxTokens: 8 });
        assert.equal(completed.error, undefined, JSON.stringify(completed.error));
        const result = completed.result as { text: string; stats: { promptTokens: number } };
        assert.ok(result.text.length > 0);
        console.log(`      ${bad.length} bad requests refused; then a completion of ${JSON.stringify(result.text)} from a ${result.stats.promptTokens}-token prompt`);
    });
});

/**
 * The engine host on an IPC channel this test writes bytes on itself (Node's JSON channel: one
 * JSON text per line), as a buggy parent could: what `child.send` can never produce.
 */
class PipeHost {
    private readonly child: ChildProcess;
    private readonly channel: Writable;
    public readonly messages: Array<RpcResponse & { readonly method?: string; readonly params?: { readonly message?: string } }> = [];
    public exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    public stderr = "";

    public constructor() {
        this.child = spawn(process.execPath, [engineHostScript], {
            stdio: ["ignore", "ignore", "pipe", "pipe"],
            env: { ...process.env, NODE_CHANNEL_FD: "3", NODE_CHANNEL_SERIALIZATION_MODE: "json" }
        });
        this.channel = this.child.stdio[3] as Writable;
        this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => { this.stderr += chunk; });
        let pending = "";
        (this.child.stdio[3] as Readable).setEncoding("utf8").on("data", (chunk: string) => {
            const lines = (pending + chunk).split("\n");
            pending = lines.pop()!;
            for (const line of lines)
                this.messages.push(JSON.parse(line) as PipeHost["messages"][number]);
        });
        this.child.on("exit", (code, signal) => { this.exit = { code, signal }; });
    }

    public get alive(): boolean {
        return this.exit == null;
    }

    /** Writes bytes on the channel, as they are, in one write. */
    public write(bytes: string | Buffer): Promise<void> {
        return new Promise((resolve, reject) => this.channel.write(bytes, (error) => error != null ? reject(error) : resolve()));
    }

    /** A request as one line of JSON text (no newline). */
    public static request(id: number, method: string, params?: unknown): string {
        return JSON.stringify({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) });
    }

    /** Waits until responses to all `ids` arrived (or the host exits), then returns each id's responses. */
    public async responses(ids: readonly number[], timeoutMs = 20_000): Promise<RpcResponse[][]> {
        const started = Date.now();
        const of = (id: number) => this.messages.filter((message) => message.id === id && message.method == null);
        while (ids.some((id) => of(id).length === 0) && this.alive && Date.now() - started < timeoutMs)
            await new Promise((resolve) => setTimeout(resolve, 20));
        return ids.map(of);
    }

    /** The host's warnings (log notifications). */
    public get warnings(): string[] {
        return this.messages.filter((message) => message.method === "specula/log").map((message) => message.params?.message ?? "");
    }

    public kill(): void {
        this.child.kill("SIGKILL");
    }
}

describe("engine host process: bytes on its IPC channel that are not JSON (issue 23)", function () {
    this.timeout(60_000);
    let host: PipeHost;
    let nextId = 1;

    // A host of its own for each test: one that ended must not fail the tests after it.
    beforeEach(() => {
        assert.ok(fs.existsSync(engineHostScript), `${engineHostScript} is missing: run node scripts/build.mjs`);
        host = new PipeHost();
    });
    afterEach(() => host.kill());

    /**
     * Asserts that each request was answered exactly once, without an error, and the host lives.
     * A last request is answered after every earlier one (the host answers in order), so a second
     * answer to any of them would have arrived by then.
     */
    async function answeredOnce(ids: readonly number[], after: string): Promise<void> {
        const last = nextId++;
        await host.write(`${PipeHost.request(last, "specula/stats")}\n`);
        await host.responses([...ids, last]);
        const responses = await host.responses(ids);
        assert.ok(host.alive, `the host ended (${JSON.stringify(host.exit)}) after ${after}: ${host.stderr.slice(0, 600)}`);
        assert.deepEqual(responses.map((list) => list.length), ids.map(() => 1), `after ${after}: ${JSON.stringify(responses)}`);
        for (const [response] of responses)
            assert.equal(response!.error, undefined, `after ${after}: ${JSON.stringify(response)}`);
    }

    it("a line of text, of binary bytes and of invalid UTF-8: each logged and ignored, and the next request answered", async () => {
        const garbage: Array<string | Buffer> = ["garbage\n", "{\"jsonrpc\": \"2.0\", \"id\": 1,\n", Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x0a]), "\n"];
        for (const bytes of garbage) {
            const before = host.warnings.length;
            await host.write(bytes);
            const id = nextId++;
            await host.write(`${PipeHost.request(id, "specula/stats")}\n`);
            await answeredOnce([id], JSON.stringify(bytes.toString()));
            assert.ok(host.warnings.slice(before).some((warning) => /^Ignored a line of \d+ characters on the IPC channel that is not JSON/.test(warning)), `no warning after ${JSON.stringify(bytes.toString())}: ${JSON.stringify(host.warnings)}`);
        }
    });

    it("requests in the same write before and after a bad line are each answered once", async () => {
        const [first, second, third] = [nextId++, nextId++, nextId++];
        await host.write(`${PipeHost.request(first, "specula/stats")}\nnot json\n${PipeHost.request(second, "specula/stats")}\n{oops\n${PipeHost.request(third, "specula/stats")}\n`);
        await answeredOnce([first, second, third], "two bad lines among three requests in one write");
        assert.deepEqual(host.warnings, ['Ignored a line of 8 characters on the IPC channel that is not JSON ("not json").', 'Ignored a line of 5 characters on the IPC channel that is not JSON ("{oops").']);
        // A request that began in an earlier read, one whole, a bad line, one more: Node delivers
        // the first two before it reaches the bad line, the guard only the last.
        const [spanning, whole, last] = [nextId++, nextId++, nextId++];
        const request = PipeHost.request(spanning, "specula/stats");
        await host.write(request.slice(0, 20));
        await new Promise((resolve) => setTimeout(resolve, 100));
        await host.write(`${request.slice(20)}\n${PipeHost.request(whole, "specula/stats")}\nbad\n${PipeHost.request(last, "specula/stats")}\n`);
        await answeredOnce([spanning, whole, last], "a bad line after a request that spans two reads");
        assert.equal(host.warnings.length, 3, JSON.stringify(host.warnings));
        assert.equal(host.warnings[2], 'Ignored a line of 3 characters on the IPC channel that is not JSON ("bad").');
    });

    it("a bad line of 300 kB written in pieces, then a request whose first half comes in the same write", async () => {
        const id = nextId++;
        const request = PipeHost.request(id, "specula/complete", { requestId: id, prefix: "é—x".repeat(1000), maxTokens: 1 });
        const half = Math.floor(request.length / 2);
        await host.write("x".repeat(100_000));
        await new Promise((resolve) => setTimeout(resolve, 100));
        await host.write("y".repeat(200_000));
        await new Promise((resolve) => setTimeout(resolve, 100));
        await host.write(`\n${request.slice(0, half)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await host.write(`${request.slice(half)}\n`);
        // No model is loaded, so a complete request that passed its checks is answered with that.
        const [[response]] = await host.responses([id]);
        assert.ok(host.alive, host.stderr.slice(0, 600));
        assert.equal(response?.error?.data?.code, "ENGINE_DISPOSED", JSON.stringify(response));
    });

    it("numbers only raw JSON text can carry reach the checks: 1e400 (Infinity), -1e400 and -0", async () => {
        const cases: Array<[string, string, RegExp]> = [
            ['"temperature": 1e400', "BAD_ARGUMENT", /^Invalid specula\/complete request: params\.temperature must be a finite number, not Infinity\.$/],
            ['"maxTokens": -1e400', "BAD_ARGUMENT", /^Invalid specula\/complete request: params\.maxTokens must be a finite number, not -Infinity\.$/],
            ['"seed": 1e400', "BAD_ARGUMENT", /^Invalid specula\/complete request: params\.seed must be a finite number, not Infinity\.$/],
            // −0 passes the checks; with no model loaded, the request is then answered with that.
            ['"temperature": -0', "ENGINE_DISPOSED", /^No model pair is loaded\.$/]
        ];
        for (const [field, code, message] of cases) {
            const id = nextId++;
            await host.write(`{"jsonrpc": "2.0", "id": ${id}, "method": "specula/complete", "params": {"requestId": ${id}, "prefix": "x", ${field}}}\n`);
            const [[response]] = await host.responses([id]);
            assert.ok(host.alive, host.stderr.slice(0, 600));
            assert.equal(response?.error?.data?.code, code, `${field}: ${JSON.stringify(response)}`);
            assert.match(response.error.message, message);
        }
    });
});
