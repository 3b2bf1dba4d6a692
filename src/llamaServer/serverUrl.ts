// Which llama.cpp server addresses Specula may send code to. No `vscode` import.
//
// https goes anywhere. Plain http crosses the network unencrypted, so it is accepted only to this
// machine (loopback), or to an address the user typed into their own user settings: the setting is
// machine-scoped, so a workspace's .vscode/settings.json can never point it anywhere.

/** Where the URL came from: the user's own settings, or the declared default. */
export type ServerUrlSource = "user" | "default";

export type ServerUrlCheck =
    | {
        readonly ok: true;
        /** The base every endpoint is resolved against; its path ends with "/". */
        readonly base: URL;
        /** host:port (or host) for the status bar and the log; never credentials. */
        readonly display: string;
        /** http to another machine: the code travels unencrypted (the user chose it; logged once). */
        readonly cleartext: boolean;
    }
    | { readonly ok: false; readonly problem: string };

export function checkServerUrl(value: string, source: ServerUrlSource): ServerUrlCheck {
    const text = value.trim();
    if (text === "")
        return { ok: false, problem: "specula.serverUrl is empty: set it to your llama-server's address, e.g. http://127.0.0.1:8080." };
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        return { ok: false, problem: `specula.serverUrl "${clip(text)}" is not a URL (expected e.g. http://127.0.0.1:8080 or https://llama.example.com).` };
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
        return { ok: false, problem: `specula.serverUrl must start with https:// (or http:// for this machine), not ${url.protocol}//.` };
    // A key in the URL would end up in logs and settings sync; it belongs in the secret store.
    if (url.username !== "" || url.password !== "")
        return { ok: false, problem: "specula.serverUrl must not contain a user name or password: set the key with \"Specula: Set llama.cpp Server API Key\"." };
    if (url.search !== "" || url.hash !== "")
        return { ok: false, problem: "specula.serverUrl must not have a query (?…) or fragment (#…)." };
    const loopback = isLoopbackHost(url.hostname);
    if (url.protocol === "http:" && !loopback && source !== "user")
        return { ok: false, problem: `http to ${url.host} is unencrypted: use https, or type the address into your user settings yourself.` };
    const base = new URL(url.href.endsWith("/") ? url.href : `${url.href}/`);
    return { ok: true, base, display: url.host, cleartext: url.protocol === "http:" && !loopback };
}

/**
 * `localhost`, 127.0.0.0/8 and ::1 (IPv4-mapped too). Names under `.localhost` are not: whether
 * one resolves to this machine depends on the resolver, and it is not looked up here.
 */
export function isLoopbackHost(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
    if (host === "localhost")
        return true;
    if (host === "::1" || host === "0:0:0:0:0:0:0:1")
        return true;
    // The URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
    if (/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host))
        return true;
    const v4 = host.startsWith("::ffff:") ? host.slice("::ffff:".length) : host;
    return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** An endpoint under the server's base URL (`/health` under `https://host/llama/` is `https://host/llama/health`). */
export function endpointUrl(base: URL, endpoint: string): URL {
    return new URL(endpoint.replace(/^\/+/, ""), base);
}

function clip(text: string): string {
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
