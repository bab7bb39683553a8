import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ROUTES } from "@taskdl/contract";

// The committed document, which the drift check keeps equal to what the server serves.
const DOCUMENT: { paths: Record<string, Record<string, Operation>> } = JSON.parse(
  readFileSync(new URL("../openapi.json", import.meta.url), "utf8"),
);

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string }[];
}

test("the contract's ROUTES are exactly the operations of the OpenAPI document, keyed by operationId", () => {
  const documented = Object.entries(DOCUMENT.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => `${operation.operationId} ${method.toUpperCase()} ${path}`),
  );
  const routes = Object.entries(ROUTES).map(([operationId, route]) => `${operationId} ${route.method} ${route.path}`);
  assert.deepEqual(routes.sort(), documented.sort());
});

test("each route's path parameters are the document's", () => {
  for (const route of Object.values(ROUTES)) {
    const operation = DOCUMENT.paths[route.path]?.[route.method.toLowerCase()];
    const inPath = (operation?.parameters ?? []).filter((parameter) => parameter.in === "path").map(({ name }) => name);
    const inTemplate = [...route.path.matchAll(/\{([^{}]+)\}/g)].map(([, name]) => name);
    assert.deepEqual(inTemplate.sort(), inPath.sort(), route.path);
  }
});
