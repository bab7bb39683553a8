import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryRateLimiter } from "./memory_rate_limiter.ts";

test("each user has a bucket of their own; a refused request says when to retry", async () => {
  let now = 0;
  const limiter = new MemoryRateLimiter({ rate: 1, burst: 2 }, { now: () => now });
  assert.deepEqual(await limiter.take("alice"), { allowed: true });
  assert.deepEqual(await limiter.take("alice"), { allowed: true });
  assert.deepEqual(await limiter.take("alice"), { allowed: false, retryAfterSeconds: 1 });
  assert.deepEqual(await limiter.take("bob"), { allowed: true }, "bob is not slowed by alice");
  now = 1000;
  assert.deepEqual(await limiter.take("alice"), { allowed: true });
});

test("a slow rate asks for a longer wait, rounded up to whole seconds", async () => {
  const limiter = new MemoryRateLimiter({ rate: 0.25, burst: 1 }, { now: () => 0 });
  await limiter.take("alice");
  assert.deepEqual(await limiter.take("alice"), { allowed: false, retryAfterSeconds: 4 });
});

test("memory is bounded: past maxUsers the least recently seen user is forgotten", async () => {
  const limiter = new MemoryRateLimiter({ rate: 1, burst: 1 }, { maxUsers: 3, now: () => 0 });
  for (const user of ["a", "b", "c"]) await limiter.take(user);
  await limiter.take("a"); // refused, but seen again: now b is the oldest
  await limiter.take("d");
  assert.equal(limiter.size, 3);
  assert.deepEqual(await limiter.take("a"), { allowed: false, retryAfterSeconds: 1 }, "a is remembered");
  assert.deepEqual(await limiter.take("b"), { allowed: true }, "b was forgotten and starts full");
});
