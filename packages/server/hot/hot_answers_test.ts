import assert from "node:assert/strict";
import { test } from "node:test";
import { derivedOf, isShared, share } from "./hot_answers.ts";

test("share freezes the value and everything in it, and returns it", () => {
  const answer = { taskId: "t", downloadUrls: [{ fileName: "a.tif", sizes: [1, 2] }], totalSize: 3 };
  assert.equal(share(answer), answer);
  assert.ok(Object.isFrozen(answer));
  assert.ok(Object.isFrozen(answer.downloadUrls));
  assert.ok(Object.isFrozen(answer.downloadUrls[0]));
  assert.ok(Object.isFrozen(answer.downloadUrls[0]?.sizes));
  assert.equal(share(null), null);
  assert.equal(share("text"), "text");
});

test("only frozen objects are shared", () => {
  assert.ok(isShared(share({ a: 1 })));
  assert.ok(!isShared({ a: 1 }));
  assert.ok(!isShared("text"));
  assert.ok(!isShared(null));
});

test("a derivation is made once per shared value and anew for every other", () => {
  let made = 0;
  const wrap = derivedOf((value: object) => ({ made: ++made, value }));
  const shared = share({ a: 1 });
  assert.equal(wrap(shared), wrap(shared));
  assert.equal(made, 1);
  const own = { a: 1 };
  assert.notEqual(wrap(own), wrap(own));
  assert.equal(made, 3);
});
