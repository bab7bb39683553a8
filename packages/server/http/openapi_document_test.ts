import assert from "node:assert/strict";
import { test } from "node:test";
import { buildOpenApiDocument } from "./openapi_document.ts";
import { ROUTES } from "@taskdl/contract";

// deno-lint-ignore no-explicit-any -- a JSON document read by path in tests: any is what it is
type Json = Record<string, any>;

const document = buildOpenApiDocument() as Json;
const getOperation: Json = document.paths[ROUTES.getDownloadUrl.path].get;

test(`documents GET ${ROUTES.getDownloadUrl.path} with taskId, expiresIn and the Authorization header`, () => {
  assert.equal(document.openapi, "3.1.0");
  const parameters = getOperation.parameters as Json[];
  const byName = Object.fromEntries(parameters.map((parameter) => [`${parameter.in}:${parameter.name}`, parameter]));
  assert.equal(byName["query:taskId"]?.required, true);
  assert.equal(byName["query:taskId"]?.schema.pattern, "^[A-Za-z0-9_-]{1,64}$");
  assert.notEqual(byName["query:expiresIn"]?.required, true);
  assert.match(byName["query:expiresIn"]?.schema.description ?? "", /Lifetime of the download URLs/);
  assert.equal(byName["query:expiresIn"]?.schema.minimum, 60);
  assert.equal(byName["header:authorization"]?.required, true);
  assert.deepEqual(getOperation.security, [{ bearerAuth: [] }]);
  assert.equal(document.components.securitySchemes.bearerAuth.scheme, "bearer");
});

test("documents the success envelope with the specification's example", () => {
  const success = getOperation.responses["200"].content["application/json"].schema;
  const envelope = success.$ref === undefined ? success : document.components.schemas[success.$ref.split("/").pop()];
  assert.deepEqual(Object.keys(envelope.properties).sort(), ["code", "data", "message"]);
  assert.equal(envelope.example.data.totalSize, 662000);
  assert.equal(envelope.example.data.downloadUrls[0].fileName, "ndvi_result.tif");
  const vo = document.components.schemas.DownloadUrlVo;
  assert.deepEqual([...vo.required].sort(), ["downloadUrl", "expiresAt", "fileName", "fileSize"]);
  assert.equal(vo.properties.fileSize.type, "integer");
});

test("documents 400, 401, 404 and 500 as the error envelope with the specification's messages", () => {
  const errorSchema = document.components.schemas.ErrorResponse;
  assert.deepEqual([...errorSchema.required].sort(), ["code", "data", "message"]);
  assert.deepEqual(errorSchema.properties.data, { type: "null", description: "Always null on failure" });
  const expected: Record<string, string> = {
    "400": "Request parameter error: taskId is required",
    "401": "Unauthorized: missing token",
    "404": "Task not found",
    "500": "Server internal error",
  };
  for (const [status, message] of Object.entries(expected)) {
    const content = getOperation.responses[status].content["application/json"];
    assert.equal(content.schema.$ref, "#/components/schemas/ErrorResponse", status);
    const values = Object.values(content.examples as Json).map((example) => example.value);
    assert.ok(
      values.some((value) => value.message === message && value.code === Number(status) && value.data === null),
      status,
    );
  }
  assert.ok(getOperation.responses["401"].headers["WWW-Authenticate"]);
});

test("documents the ingest path with its body and the 403 for a missing scope", () => {
  const put: Json = document.paths["/analysis/task/{taskId}"].put;
  assert.ok(put.requestBody.content["application/json"].schema);
  assert.equal(put.parameters.find((parameter: Json) => parameter.in === "path").name, "taskId");
  assert.match(put.responses["403"].content["application/json"].examples.scope.value.message, /tasks:write/);
});

test("the committed contracts/openapi.json is the document the code produces", async () => {
  const { readFile } = await import("node:fs/promises");
  const committed = JSON.parse(await readFile(new URL("../../../contracts/openapi.json", import.meta.url), "utf8"));
  assert.deepEqual(
    committed,
    JSON.parse(JSON.stringify(document)),
    "the contract changed: run `node tools/write_openapi.ts` and commit contracts/openapi.json",
  );
});

test("every $ref resolves and every component is used", () => {
  const text = JSON.stringify(document);
  const refs = new Set([...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]));
  for (const ref of refs) assert.ok(document.components.schemas[ref as string], `dangling $ref ${ref}`);
  for (const name of Object.keys(document.components.schemas)) assert.ok(refs.has(name), `unused component ${name}`);
});
