import assert from "node:assert/strict";
import { test } from "node:test";
import { success } from "./success.ts";

test("wraps an answer in the success envelope", () => {
  assert.deepEqual(success({ taskId: "t" }), { code: 200, message: "success", data: { taskId: "t" } });
});

test("a frozen (shared) answer always gets the same frozen envelope; others a new one", () => {
  const shared = Object.freeze({ taskId: "t" });
  assert.equal(success(shared), success(shared));
  assert.ok(Object.isFrozen(success(shared)));
  const own = { taskId: "t" };
  assert.notEqual(success(own), success(own));
});
