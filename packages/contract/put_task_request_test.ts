import assert from "node:assert/strict";
import { test } from "node:test";
import { PutTaskRequest } from "./put_task_request.ts";

const output = { fileName: "ndvi_result.tif", storageKey: "tasks/12345/ndvi_result.tif" };
const valid = { taskId: "12345", ownerId: "alice", status: "SUCCEEDED", outputs: [output] };

test("PutTaskRequest accepts a task with outputs and lowercases sha256", () => {
  const parsed = PutTaskRequest.parse({
    ...valid,
    outputs: [{ ...output, contentType: "image/tiff", sha256: "AB".repeat(32) }],
  });
  assert.equal(parsed.outputs[0]?.sha256, "ab".repeat(32));
});

test("PutTaskRequest accepts keys with spaces, Unicode and slashes", () => {
  const key = "tasks/12345/résumé final/Karte 1.tif";
  assert.equal(
    PutTaskRequest.parse({ ...valid, outputs: [{ ...output, storageKey: key }] }).outputs[0]?.storageKey,
    key,
  );
});

test("PutTaskRequest refuses keys that could leave the storage root", () => {
  for (const storageKey of ["../x", "a/../b", "/etc/passwd", "a//b", "a/./b", "a\\b", "a/", "a\u0000b", ""]) {
    const result = PutTaskRequest.safeParse({ ...valid, outputs: [{ ...output, storageKey }] });
    assert.equal(result.success, false, JSON.stringify(storageKey));
  }
});

test("PutTaskRequest refuses file names with separators or control characters", () => {
  for (const fileName of ["a/b.tif", "a\\b", "..", ".", "a\r\nb", ""]) {
    const result = PutTaskRequest.safeParse({ ...valid, outputs: [{ ...output, fileName }] });
    assert.equal(result.success, false, JSON.stringify(fileName));
  }
});

test("PutTaskRequest refuses header-breaking content types and duplicate file names", () => {
  const badType = PutTaskRequest.safeParse({ ...valid, outputs: [{ ...output, contentType: "text/html\r\nX: y" }] });
  assert.equal(badType.success, false);
  const duplicate = PutTaskRequest.safeParse({ ...valid, outputs: [output, { ...output, storageKey: "other" }] });
  assert.equal(duplicate.success, false);
  assert.match(duplicate.error?.issues[0]?.message ?? "", /duplicates file name/);
});

test("PutTaskRequest refuses unknown statuses and unknown fields", () => {
  assert.equal(PutTaskRequest.safeParse({ ...valid, status: "DONE" }).success, false);
  assert.equal(PutTaskRequest.safeParse({ ...valid, extra: 1 }).success, false);
});
