import assert from "node:assert/strict";
import { test } from "node:test";
import { appRouter } from "../trpc/app_router.ts";
import { buildOpenApiDocument } from "./openapi_document.ts";
import { restRoutes } from "./rest_handler.ts";
import { ROUTES } from "@taskdl/contract";

test("serves each procedure on the REST path its openapi meta names", () => {
  const routes = restRoutes(appRouter).map(({ redirectTo, ...route }) => ({ ...route, redirects: !!redirectTo }));
  const row = (method: string, path: string, procedure: string, type: string, extra: object = {}) => ({
    method,
    path,
    procedure,
    type,
    redirects: false,
    responseType: undefined,
    ...extra,
  });
  // In the router's order.
  const expected = [
    row("GET", ROUTES.getDownloadUrl.path, "analysisTask.getDownloadUrl", "query"),
    row("GET", "/analysis/task/:taskId/files/:fileName", "analysisTask.getFile", "query", { redirects: true }),
    row("PUT", "/analysis/task/:taskId", "analysisTask.put", "mutation"),
    row("GET", "/analysis/task/:taskId/stac", "analysisTask.getStacItem", "query", {
      responseType: "application/geo+json",
    }),
  ];
  assert.deepEqual(
    routes.map((route) => route.procedure),
    expected.map((route) => route.procedure),
  );
  assert.deepEqual(routes, expected);
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
