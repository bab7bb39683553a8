import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import SwaggerParser from "@apidevtools/swagger-parser";
import { Verifier } from "@pact-foundation/pact";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { startValidatingProxy, type ValidatingProxy } from "./_validating_proxy.ts";

const PACTS = fileURLToPath(new URL("../pacts/", import.meta.url));
const OPENAPI = fileURLToPath(new URL("../openapi.json", import.meta.url));
const DEMO_TIFF = fileURLToPath(new URL("../../packages/server/dev/fixtures/ndvi_result.tif", import.meta.url));

let server: TestServer;
let proxy: ValidatingProxy;

before(async () => {
  server = await startTestServer();
  proxy = await startValidatingProxy(server.url, JSON.parse(readFileSync(OPENAPI, "utf8")));
});

after(async () => {
  await proxy.close();
  await server.close();
});

async function record(
  taskId: string,
  ownerId: string,
  status: "SUCCEEDED" | "RUNNING",
  files: [string, string | Uint8Array][],
) {
  const outputs = [];
  for (const [fileName, content] of files) {
    const storageKey = `pact/${taskId}/${fileName}`;
    await server.putObject(storageKey, content);
    outputs.push({ fileName, storageKey });
  }
  // Through the service's own ingest path: the same code a real pipeline uses.
  const res = await server.putTask({ taskId, ownerId, status, outputs }, { createObjects: false });
  assert.equal(res.status, 200, await res.text());
}

// The states the pacts name, set up through the service itself.
const stateHandlers = {
  "task 12345 of alice has succeeded with ndvi_result.tif and analysis_report.pdf": () =>
    record("12345", "alice", "SUCCEEDED", [
      ["ndvi_result.tif", "II*\0 a GeoTIFF"],
      ["analysis_report.pdf", "%PDF-1.4 a report"],
    ]),
  // The demo's real GeoTIFF (64 × 64, WGS 84): ingest reads its georeferencing from the header.
  "task 12345 of alice has succeeded with a georeferenced ndvi_result.tif and analysis_report.pdf": () =>
    record("12345", "alice", "SUCCEEDED", [
      ["ndvi_result.tif", readFileSync(DEMO_TIFF)],
      ["analysis_report.pdf", "%PDF-1.4 a report"],
    ]),
  "there is no task 99999": async () => {},
  "task 77777 belongs to bob": () => record("77777", "bob", "SUCCEEDED", [["secret.tif", "bob's"]]),
  "task 55555 of alice is RUNNING": () => record("55555", "alice", "RUNNING", []),
  "storage holds runs/777/result.txt": () => server.putObject("runs/777/result.txt", "hello\n"),
};

// Consumers send placeholder tokens (`valid-token-for-<user>[-with-<scope>]`); swap in real ones.
const PLACEHOLDER = /^Bearer valid-token-for-([a-z]+)(?:-with-([a-z-]+))?$/;

test("the service honours every pact in contracts/pacts/", { timeout: 120_000 }, async () => {
  const pactUrls = readdirSync(PACTS)
    .filter((file) => file.endsWith(".json"))
    .map((file) => `${PACTS}${file}`);
  assert.ok(pactUrls.length >= 2, "the consumers' pacts are there");
  await new Verifier({
    provider: "taskdl",
    providerBaseUrl: proxy.url,
    pactUrls,
    stateHandlers,
    logLevel: "warn",
    requestFilter: (req, _res, next) => {
      const match = PLACEHOLDER.exec(req.headers.authorization ?? "");
      if (match !== null) {
        const [, user = "", scope] = match;
        const token = server.token(
          user,
          scope === undefined ? {} : { scope: scope.replace("tasks-write", "tasks:write") },
        );
        req.headers.authorization = `Bearer ${token}`;
      }
      next();
    },
  }).verifyProvider();
  assert.ok(proxy.checked() > 0, "responses went through the validating proxy");
  assert.deepEqual(proxy.violations, [], "every response matches the OpenAPI document / the contract");
});

test("the committed OpenAPI document is valid OpenAPI 3.1 (swagger-parser)", async () => {
  const api = (await SwaggerParser.validate(OPENAPI)) as { openapi?: string };
  assert.equal(api.openapi, "3.1.0");
});
