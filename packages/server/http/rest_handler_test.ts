import assert from "node:assert/strict";
import { test } from "node:test";
import { appRouter } from "../trpc/app_router.ts";
import { buildOpenApiDocument } from "./openapi_document.ts";
import { restRoutes } from "./rest_handler.ts";
import { ROUTES } from "@taskdl/contract";

test("serves each procedure on the REST path its openapi meta names", () => {
  const routes = restRoutes(appRouter).map(({ redirectTo, ...route }) => ({ ...route, redirects: !!redirectTo }));
  assert.deepEqual(routes, [
    {
      method: "GET",
      path: ROUTES.getDownloadUrl.path,
      procedure: "analysisTask.getDownloadUrl",
      type: "query",
      redirects: false,
    },
    {
      method: "GET",
      path: "/analysis/task/:taskId/files/:fileName",
      procedure: "analysisTask.getFile",
      type: "query",
      redirects: true,
    },
    {
      method: "PUT",
      path: "/analysis/task/:taskId",
      procedure: "analysisTask.put",
      type: "mutation",
      redirects: false,
    },
  ]);
});

test("a redirecting route's Location is the signed link of its output", () => {
  const route = restRoutes(appRouter).find((candidate) => candidate.procedure === ROUTES.getFile.procedure);
  const output = { code: 200, message: "success", data: { downloadUrl: "http://127.0.0.1:3000/files/x?sig=1" } };
  assert.equal(route?.redirectTo?.(output), "http://127.0.0.1:3000/files/x?sig=1");
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
