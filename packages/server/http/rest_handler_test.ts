import assert from "node:assert/strict";
import { test } from "node:test";
import { appRouter } from "../trpc/app_router.ts";
import { buildOpenApiDocument } from "./openapi_document.ts";
import { restRoutes } from "./rest_handler.ts";
import { ROUTES } from "@taskdl/contract";

test("serves each procedure on the REST path its openapi meta names", () => {
  assert.deepEqual(restRoutes(appRouter), [
    {
      method: "GET",
      path: ROUTES.getDownloadUrl.path,
      procedure: "analysisTask.getDownloadUrl",
      type: "query",
      responseType: undefined,
    },
    {
      method: "PUT",
      path: "/analysis/task/:taskId",
      procedure: "analysisTask.put",
      type: "mutation",
      responseType: undefined,
    },
    {
      method: "GET",
      path: "/analysis/task/:taskId/stac",
      procedure: "analysisTask.getStacItem",
      type: "query",
      responseType: "application/geo+json",
    },
  ]);
});

test("the routes are the contract's route descriptors, procedure by procedure", () => {
  const served = restRoutes(appRouter).map(({ method, path, procedure }) => ({
    method,
    path: path.replace(/:(\w+)/g, "{$1}"),
    procedure,
  }));
  assert.deepEqual(
    served.sort((a, b) => a.procedure.localeCompare(b.procedure)),
    Object.values(ROUTES)
      .map(({ method, path, procedure }) => ({ method, path, procedure }))
      .sort((a, b) => a.procedure.localeCompare(b.procedure)),
  );
});

test("the routes are exactly the operations the OpenAPI document publishes", () => {
  const documented = Object.entries(buildOpenApiDocument().paths ?? {}).flatMap(([path, operations]) =>
    Object.keys(operations ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
  );
  const served = restRoutes(appRouter).map(({ method, path }) => `${method} ${path.replace(/:(\w+)/g, "{$1}")}`);
  assert.deepEqual(served.sort(), documented.sort());
});
