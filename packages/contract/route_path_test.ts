import assert from "node:assert/strict";
import { test } from "node:test";
import { routePath } from "./route_path.ts";
import { type Route, ROUTES } from "./routes.ts";

// The routes to come, to show that their templates fill in as today's do.
const FILE: Route<"/analysis/task/{taskId}/files/{fileName}"> = {
  method: "GET",
  path: "/analysis/task/{taskId}/files/{fileName}",
  procedure: "analysisTask.getFile",
};
const STAC: Route<"/analysis/task/{taskId}/stac"> = {
  method: "GET",
  path: "/analysis/task/{taskId}/stac",
  procedure: "analysisTask.getStac",
};

test("routePath fills in the parameters of today's routes and of those to come", () => {
  assert.equal(routePath(ROUTES.putTask, { taskId: "12345" }), "/analysis/task/12345");
  assert.equal(routePath(ROUTES.getDownloadUrl, {}), "/analysis/task/get/Download/url");
  assert.equal(
    routePath(FILE, { taskId: "12345", fileName: "ndvi_result.tif" }),
    "/analysis/task/12345/files/ndvi_result.tif",
  );
  assert.equal(routePath(STAC, { taskId: "a_b-C" }), "/analysis/task/a_b-C/stac");
});

test("routePath keeps each parameter one whole path segment, however it is spelt", () => {
  const base = "http://127.0.0.1:3000";
  for (const fileName of ["a b.tif", "a/b", "a\\b", "résumé.pdf", "x?y=1", "x#y", "100%", "%2e%2e", "...", "a;b"]) {
    const url = new URL(routePath(FILE, { taskId: "t 1", fileName }), base);
    const segments = url.pathname.split("/").slice(1);
    assert.deepEqual(segments.map(decodeURIComponent), ["analysis", "task", "t 1", "files", fileName], fileName);
    assert.equal(url.search, "", fileName);
    assert.equal(url.hash, "", fileName);
  }
});

test("routePath refuses a missing or empty parameter with a TypeError that names it", () => {
  assert.throws(
    // @ts-expect-error: taskId is missing, which the type says too.
    () => routePath(ROUTES.putTask, {}),
    new TypeError("Cannot build the path of PUT /analysis/task/{taskId}: taskId must be a non-empty string"),
  );
  assert.throws(() => routePath(FILE, { taskId: "1", fileName: "" }), {
    name: "TypeError",
    message: /fileName must be a non-empty string$/,
  });
  // A parameter inherited from the prototype is not one given.
  assert.throws(() => routePath(ROUTES.putTask, Object.create({ taskId: "1" })), TypeError);
});

test("routePath refuses . and .., which a URL parser would resolve into another route", () => {
  for (const fileName of [".", ".."]) {
    assert.throws(() => routePath(FILE, { taskId: "1", fileName }), {
      name: "RangeError",
      message: "Cannot build the path of GET /analysis/task/{taskId}/files/{fileName}: fileName must not be . or ..",
    });
  }
});

test("routePath appends the query parameters that are defined, encoded, in order", () => {
  assert.equal(
    routePath(ROUTES.getDownloadUrl, {}, { query: { taskId: "a&b=c", expiresIn: 600 } }),
    "/analysis/task/get/Download/url?taskId=a%26b%3Dc&expiresIn=600",
  );
  assert.equal(
    routePath(ROUTES.getDownloadUrl, {}, { query: { taskId: "1", expiresIn: undefined } }),
    "/analysis/task/get/Download/url?taskId=1",
  );
  assert.equal(routePath(ROUTES.putTask, { taskId: "1" }, { query: {} }), "/analysis/task/1");
});
