import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_RETRY_WAIT_MS, retryDelay } from "./retry_delay.ts";

test("honours Retry-After in seconds and as an HTTP date, capped", () => {
  assert.equal(retryDelay(1, "2"), 2000);
  assert.equal(retryDelay(5, " 0 "), 0);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryDelay(1, "Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
  assert.equal(retryDelay(1, "Wed, 31 Dec 2025 23:00:00 GMT", now), 0, "a date in the past: at once");
  assert.equal(retryDelay(1, "86400"), MAX_RETRY_WAIT_MS);
});

test("backs off exponentially with jitter without Retry-After", () => {
  for (let i = 0; i < 50; i++) {
    const first = retryDelay(1, undefined);
    assert.ok(first >= 100 && first <= 200, String(first));
    const third = retryDelay(3, "soon");
    assert.ok(third >= 400 && third <= 800, String(third));
    assert.ok(retryDelay(20, undefined) <= 8000);
  }
});
