import assert from "node:assert/strict";
import { test } from "node:test";
import { deepFreeze } from "./deep_freeze.ts";

test("freezes the value and everything in it, and returns it", () => {
  const answer = { taskId: "t", downloadUrls: [{ fileName: "a.tif", sizes: [1, 2] }], totalSize: 3 };
  assert.equal(deepFreeze(answer), answer);
  assert.ok(Object.isFrozen(answer));
  assert.ok(Object.isFrozen(answer.downloadUrls));
  assert.ok(Object.isFrozen(answer.downloadUrls[0]));
  assert.ok(Object.isFrozen(answer.downloadUrls[0]?.sizes));
  assert.equal(deepFreeze(null), null);
  assert.equal(deepFreeze("text"), "text");
});
