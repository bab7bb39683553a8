/**
 * Writes the OpenAPI document the service serves at `/openapi.json` to
 * `contracts/openapi.json`, where it is committed. A test fails when the
 * committed document and the code disagree, so the contract cannot change
 * silently: run this after changing a schema, and review the diff.
 *
 *   node tools/write_openapi.ts
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument } from "@taskdl/server";

const target = fileURLToPath(new URL("../contracts/openapi.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${target}`);
