import assert from "node:assert/strict";
import { test } from "node:test";
import { ROUTES } from "./routes.ts";

test("ROUTES cannot be changed by the code that shares it", () => {
  assert.ok(Object.isFrozen(ROUTES));
  for (const route of Object.values(ROUTES)) assert.ok(Object.isFrozen(route), route.path);
  assert.throws(() => {
    (ROUTES.putTask as { path: string }).path = "/elsewhere";
  }, TypeError);
});

test("every route has its own method and path, and names one procedure", () => {
  const routes = Object.values(ROUTES);
  assert.equal(new Set(routes.map((route) => `${route.method} ${route.path}`)).size, routes.length);
  assert.equal(new Set(routes.map((route) => route.procedure)).size, routes.length);
  for (const route of routes) {
    assert.match(route.procedure, /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/, route.procedure);
    // Every parameter is a whole segment with a plain name, so that routePath can fill it in.
    for (const segment of route.path.split("/").slice(1)) {
      assert.match(segment, /^([A-Za-z0-9_.-]+|\{[A-Za-z][A-Za-z0-9]*\})$/, `${route.path}: ${segment}`);
    }
  }
});

test("the routes are the API's REST paths, served by the analysisTask procedures", () => {
  assert.deepEqual(
    { ...ROUTES },
    {
      getDownloadUrl: {
        method: "GET",
        path: "/analysis/task/get/Download/url",
        procedure: "analysisTask.getDownloadUrl",
      },
      putTask: { method: "PUT", path: "/analysis/task/{taskId}", procedure: "analysisTask.put" },
      getFile: {
        method: "GET",
        path: "/analysis/task/{taskId}/files/{fileName}",
        procedure: "analysisTask.getFile",
      },
      getStacItem: { method: "GET", path: "/analysis/task/{taskId}/stac", procedure: "analysisTask.getStacItem" },
    },
  );
});
