// Entry point of the engine host process (bundled as dist/engineHost.js). The extension host forks
// it and talks to it over the IPC channel; llama.cpp runs here, so a native abort on a bad model
// file ends this process only.
import { SpeculativeEngine } from "../engine/SpeculativeEngine";
import { fixtureModelPath } from "../fixtures/fixtureModelPath";
import { installProcessGuards, serveEngineHost } from "./EngineHostServer";
import { createHostConnection } from "./hostConnection";

if (process.send == null) {
    process.stderr.write("engineHost must be started with an IPC channel (child_process.fork).\n");
    process.exit(2);
}

const connection = createHostConnection();

serveEngineHost(connection, {
    loadEngine: (options, signal) => SpeculativeEngine.load(options, signal),
    fixtures: (directory, name) => fixtureModelPath(directory, name),
    exit: () => process.exit(0)
});

installProcessGuards(connection);
connection.listen();
