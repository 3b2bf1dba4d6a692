// Checks a setting's value against the JSON schema that package.json declares for it, so that
// types, bounds and enums are written once (in package.json) and a hand-edited settings.json with a
// wrong value falls back to the declared default instead of reaching the engine. No `vscode` import.

/** The part of a package.json configuration property that values are checked against. */
export interface SettingSchema {
    readonly type?: "boolean" | "integer" | "number" | "string" | "object" | "array";
    readonly default?: unknown;
    readonly minimum?: number;
    readonly maximum?: number;
    readonly enum?: readonly unknown[];
    readonly scope?: string;
}

/** Declared settings by full key (`specula.draftMax`), as in `contributes.configuration.properties`. */
export type SettingsSchema = Readonly<Record<string, SettingSchema>>;

/** Returns why `value` does not fit `schema`, or undefined when it does. */
export function settingValueProblem(schema: SettingSchema, value: unknown): string | undefined {
    switch (schema.type) {
        case "boolean":
            if (typeof value !== "boolean")
                return "must be true or false";
            break;
        case "integer":
        case "number":
            if (typeof value !== "number" || !Number.isFinite(value))
                return "must be a number";
            if (schema.type === "integer" && !Number.isInteger(value))
                return "must be a whole number";
            if (schema.minimum != null && value < schema.minimum)
                return `must be at least ${schema.minimum}`;
            if (schema.maximum != null && value > schema.maximum)
                return `must be at most ${schema.maximum}`;
            break;
        case "string":
            if (typeof value !== "string")
                return "must be a string";
            break;
        case "object":
            if (value == null || typeof value !== "object" || Array.isArray(value))
                return "must be an object";
            break;
        case "array":
            if (!Array.isArray(value))
                return "must be a list";
            break;
        default:
            break;
    }
    if (schema.enum != null && !schema.enum.includes(value))
        return `must be one of ${schema.enum.map((item) => JSON.stringify(item)).join(", ")}`;
    return undefined;
}

/** Reads `contributes.configuration` (an object or a list of them) from a package.json object. */
export function settingsSchemaFromPackageJson(packageJson: unknown): SettingsSchema {
    const contributes = (packageJson as { contributes?: { configuration?: unknown } } | undefined)?.contributes;
    const configuration = contributes?.configuration;
    const sections = Array.isArray(configuration) ? configuration : [configuration];
    const result: Record<string, SettingSchema> = {};
    for (const section of sections) {
        const properties = (section as { properties?: Record<string, SettingSchema> } | undefined)?.properties;
        if (properties != null)
            Object.assign(result, properties);
    }
    return result;
}
