import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { settingKeys } from "../../../src/config/settingKeys";
import { latencyOptions } from "../../../src/completion/latencyOptions";
import { decodingOptions } from "../../../src/common/decodingOptions";
import { settingsSchemaFromPackageJson, settingValueProblem } from "../../../src/config/settingsSchema";

const packageJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "..", "..", "package.json"), "utf8")) as Record<string, unknown>;
const schema = settingsSchemaFromPackageJson(packageJson);

describe("settings declared in package.json", () => {
    it("declares every setting the code reads, each with a type, a default and a description", () => {
        for (const key of Object.values(settingKeys)) {
            const declared = schema[`specula.${key}`] as Record<string, unknown> | undefined;
            assert.ok(declared, `specula.${key} is declared`);
            assert.ok(declared.type, `specula.${key} has a type`);
            assert.notEqual(declared.default, undefined, `specula.${key} has a default`);
            assert.ok(typeof declared.markdownDescription === "string" && declared.markdownDescription.length > 20, `specula.${key} is described`);
            assert.equal(settingValueProblem(declared, declared.default), undefined, `specula.${key}'s default fits its own schema`);
            if (declared.type === "integer" || declared.type === "number")
                assert.ok(declared.minimum != null && declared.maximum != null, `specula.${key} has bounds`);
        }
        assert.deepEqual(Object.keys(schema).sort(), Object.values(settingKeys).map((key) => `specula.${key}`).sort(), "no undeclared or unread settings");
    });

    it("declares each decoding option as src/common/decodingOptions.ts does: type, default, bounds, choices", () => {
        for (const [name, declared] of Object.entries(decodingOptions)) {
            const setting = schema[`specula.${name}`] as Record<string, unknown> | undefined;
            assert.ok(setting, `specula.${name} is declared`);
            const expected: Record<string, unknown> = { type: declared.type, default: declared.default };
            if ("setting" in declared)
                Object.assign(expected, declared.setting);
            if ("enum" in declared)
                expected.enum = declared.enum;
            const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, setting[key]]));
            assert.deepEqual(actual, expected, `specula.${name}`);
            if ("setting" in declared)
                assert.ok(declared.accepted.min <= declared.setting.minimum && declared.setting.maximum <= declared.accepted.max, `specula.${name}: the setting's range is one the engine accepts`);
        }
    });

    it("declares each latency option as src/completion/latencyOptions.ts does: type, default, bounds", () => {
        for (const [name, declared] of Object.entries(latencyOptions)) {
            const setting = schema[`specula.${name}`] as Record<string, unknown> | undefined;
            assert.ok(setting, `specula.${name} is declared`);
            const expected: Record<string, unknown> = { type: declared.type, default: declared.default, ...("setting" in declared ? declared.setting : {}) };
            assert.deepEqual(Object.fromEntries(Object.keys(expected).map((key) => [key, setting[key]])), expected, `specula.${name}`);
        }
    });

    it("gives every setting that loads or fetches models machine scope, and restricts them in untrusted workspaces", () => {
        const modelSettings = ["selectedPair", "modelPairs", "modelDirectory", "backend", "serverUrl", "contextSize", "gpu", "threads", "debug.logPrompts", "nextEdit.model"];
        const restricted = (packageJson.capabilities as { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } }).untrustedWorkspaces;
        assert.equal(restricted.supported, "limited");
        for (const key of modelSettings) {
            assert.equal(schema[`specula.${key}`]!.scope, "machine", key);
            assert.ok(restricted.restrictedConfigurations.includes(`specula.${key}`), key);
        }
    });

    it("keeps plaintext off by default and GPU choices to the supported backends", () => {
        assert.deepEqual(schema["specula.languages"]!.default, { "*": true, plaintext: false, scminput: false });
        assert.deepEqual(schema["specula.gpu"]!.enum, ["auto", "cuda", "vulkan", "metal", "off"]);
    });

    it("checks values against types, bounds and enums", () => {
        const draftMax = schema["specula.draftMax"]!;
        assert.equal(settingValueProblem(draftMax, 4), undefined);
        assert.match(settingValueProblem(draftMax, 0)!, /at least 1/);
        assert.match(settingValueProblem(draftMax, 99)!, /at most 32/);
        assert.match(settingValueProblem(draftMax, 2.5)!, /whole number/);
        assert.match(settingValueProblem(draftMax, "8")!, /number/);
        assert.match(settingValueProblem(schema["specula.gpu"]!, "rocm")!, /one of/);
        assert.match(settingValueProblem(schema["specula.enable"]!, "yes")!, /true or false/);
        assert.match(settingValueProblem(schema["specula.languages"]!, [])!, /object/);
        assert.match(settingValueProblem(schema["specula.modelPairs"]!, {})!, /list/);
    });

    it("activates on startup, not on *, and puts every command in the Specula category", () => {
        assert.deepEqual(packageJson.activationEvents, ["onStartupFinished"]);
        const commands = (packageJson.contributes as { commands: { command: string; category: string }[] }).commands;
        assert.ok(commands.length >= 8);
        for (const command of commands)
            assert.equal(command.category, "Specula", command.command);
    });
});
