import assert from "node:assert/strict";
import { test } from "node:test";
import { FileLinkRequest } from "./file_link_request.ts";

test("FileLinkRequest takes a task id, a file name and an optional lifetime", () => {
  assert.deepEqual(FileLinkRequest.parse({ taskId: "1", fileName: "ndvi result ü'.tif" }), {
    taskId: "1",
    fileName: "ndvi result ü'.tif",
  });
  assert.deepEqual(FileLinkRequest.parse({ taskId: "1", fileName: "a.pdf", expiresIn: "60" }), {
    taskId: "1",
    fileName: "a.pdf",
    expiresIn: 60,
  });
});

test("FileLinkRequest refuses names no output can have, short lifetimes and unknown parameters", () => {
  for (const fileName of ["", ".", "..", "a/b", "a\\b", "a\u0000b", "x".repeat(256)]) {
    assert.equal(FileLinkRequest.safeParse({ taskId: "1", fileName }).success, false, JSON.stringify(fileName));
  }
  assert.equal(FileLinkRequest.safeParse({ taskId: "1", fileName: "a", expiresIn: 59 }).success, false);
  assert.equal(FileLinkRequest.safeParse({ taskId: "1", fileName: "a", wait: 1 }).success, false);
  assert.equal(FileLinkRequest.safeParse({ taskId: "../x", fileName: "a" }).success, false);
});
