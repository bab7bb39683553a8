import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * The folder of the official STAC JSON Schemas (`shared/stac-schemas`, beside
 * the repository, never copied into it): `TASKDL_STAC_SCHEMAS` when set, else
 * the first `shared/stac-schemas` found walking up from this file.
 */
export const STAC_SCHEMAS: string | undefined = (() => {
  const given = process.env.TASKDL_STAC_SCHEMAS;
  if (given !== undefined && given !== "") return resolve(given);
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "stac-schemas");
    if (existsSync(join(candidate, "stac-v1.1.0", "item.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
})();

/** Why the schema tests skip, or `false` when the schemas are there. */
export const NO_STAC_SCHEMAS: string | false =
  STAC_SCHEMAS === undefined ? "shared/stac-schemas not found (set TASKDL_STAC_SCHEMAS to its folder)" : false;

const BASES: Record<string, string> = {
  "stac-v1.1.0": "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/",
  geojson: "https://geojson.org/schema/",
};

/**
 * Validates an Item against the STAC 1.1.0 Item schema and every extension
 * schema its `stac_extensions` lists, offline (ajv, draft-07).
 *
 * @returns A function giving the errors (empty when valid).
 */
export function stacValidator(): (item: unknown) => string[] {
  const root = STAC_SCHEMAS as string;
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormatsModule as unknown as (ajv: Ajv) => void)(ajv);
  const add = (schema: Record<string, unknown>, ...ids: string[]) => {
    for (const id of new Set(ids)) {
      if (ajv.getSchema(id) === undefined) ajv.addSchema({ ...schema, $id: id }, id);
    }
  };
  for (const [folder, base] of Object.entries(BASES)) {
    for (const file of readdirSync(join(root, folder)).filter((name) => name.endsWith(".json"))) {
      const schema = JSON.parse(readFileSync(join(root, folder, file), "utf8"));
      // common.json names itself ".../commonjson": register it under the name item.json uses too.
      add(schema, `${base}${file}`);
    }
  }
  for (const file of readdirSync(join(root, "extensions")).filter((name) => name.endsWith(".json"))) {
    const schema = JSON.parse(readFileSync(join(root, "extensions", file), "utf8"));
    const id = String(schema.$id).replace(/#$/, "");
    add(schema, id);
  }
  // The projection schema refers to PROJJSON's for proj:projjson, a field this service never writes: any
  // value would fail below (the test asserts there is none), so an empty schema stands in for it offline.
  ajv.addSchema({}, "https://proj.org/schemas/v0.7/projjson.schema.json");
  const item = ajv.getSchema(`${BASES["stac-v1.1.0"]}item.json`) as ValidateFunction;
  return (value: unknown) => {
    const errors: string[] = [];
    const check = (validate: ValidateFunction | undefined, name: string) => {
      if (validate === undefined) return errors.push(`${name}: no such schema here`);
      if (!validate(value))
        errors.push(...(validate.errors ?? []).map((e) => `${name} ${e.instancePath} ${e.message}`));
    };
    check(item, "item");
    for (const url of (value as { stac_extensions?: string[] }).stac_extensions ?? []) check(ajv.getSchema(url), url);
    if (JSON.stringify(value).includes('"proj:projjson"')) errors.push("proj:projjson is not checked offline");
    return errors;
  };
}
