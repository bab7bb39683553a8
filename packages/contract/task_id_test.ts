import assert from "node:assert/strict";
import { test } from "node:test";
import { TaskId } from "./task_id.ts";

test("TaskId accepts 1–64 characters of A–Z a–z 0–9 _ -", () => {
  for (const id of ["1", "12345", "a_b-C", "x".repeat(64)]) {
    assert.equal(TaskId.parse(id), id);
  }
});

test("TaskId refuses empty, long and out-of-alphabet ids", () => {
  const bad = ["", "x".repeat(65), " 1", "a b", "../etc", "a/b", "ü", "1;DROP", "a\u0000", "%2e"];
  for (const id of bad) {
    assert.equal(TaskId.safeParse(id).success, false, `accepted ${JSON.stringify(id)}`);
  }
});
