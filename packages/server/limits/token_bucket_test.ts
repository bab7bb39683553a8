import assert from "node:assert/strict";
import { test } from "node:test";
import { type BucketState, takeToken } from "./token_bucket.ts";

const limit = { rate: 2, burst: 3 };

test("a new bucket is full: burst requests pass at once, the next waits for one token's worth of time", () => {
  let state: BucketState | undefined;
  for (let i = 0; i < 3; i++) {
    const step = takeToken(state, 1000, limit);
    assert.equal(step.allowed, true);
    state = step.state;
  }
  const refused = takeToken(state, 1000, limit);
  assert.deepEqual(refused, { state: { tokens: 0, at: 1000 }, allowed: false, waitMs: 500 });
});

test("tokens come back at the rate, never past the burst", () => {
  const empty = { tokens: 0, at: 0 };
  assert.equal(takeToken(empty, 499, limit).allowed, false);
  assert.equal(takeToken(empty, 500, limit).allowed, true);
  assert.equal(takeToken(empty, 60_000, limit).state.tokens, 2, "refilled to 3, one taken");
});

test("a clock that steps back refills nothing", () => {
  assert.equal(takeToken({ tokens: 0.5, at: 5000 }, 1000, limit).allowed, false);
});
