import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import { pino } from "pino";
import { RedisRateLimiter } from "./redis_rate_limiter.ts";

// Against the Redis of this machine (REDIS_URL, or 127.0.0.1:6379).
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const logs: string[] = [];
const logger = pino(
  { level: "warn" },
  new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  }),
);
const limiters: RedisRateLimiter[] = [];
const limiter = (url = REDIS_URL, rate = 1, burst = 5) => {
  const created = new RedisRateLimiter(url, { rate, burst }, { logger, keyPrefix: `taskdl-test:${randomUUID()}:` });
  limiters.push(created);
  return created;
};
after(async () => {
  for (const created of limiters) await created.close();
});

async function ready(created: RedisRateLimiter): Promise<void> {
  if (created.redis.status !== "ready") await new Promise((resolve) => created.redis.once("ready", resolve));
}

test("replicas share one bucket per user: across two limiters, exactly burst requests pass", async () => {
  const prefix = `taskdl-test:${randomUUID()}:`;
  const a = new RedisRateLimiter(REDIS_URL, { rate: 1, burst: 5 }, { logger, keyPrefix: prefix });
  const b = new RedisRateLimiter(REDIS_URL, { rate: 1, burst: 5 }, { logger, keyPrefix: prefix });
  limiters.push(a, b);
  await Promise.all([ready(a), ready(b)]);
  const verdicts = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).take("alice")));
  assert.equal(verdicts.filter((verdict) => verdict.allowed).length, 5);
  assert.deepEqual(
    verdicts.find((verdict) => !verdict.allowed),
    { allowed: false, retryAfterSeconds: 1 },
  );
  assert.deepEqual(await a.take("bob"), { allowed: true }, "another user has a bucket of their own");
});

test("tokens come back at the rate, on Redis's clock", async () => {
  const created = limiter(REDIS_URL, 10, 1);
  await ready(created);
  assert.equal((await created.take("carol")).allowed, true);
  assert.equal((await created.take("carol")).allowed, false);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal((await created.take("carol")).allowed, true);
});

test("while Redis cannot be reached, requests are let through and the outage is logged once", async () => {
  const down = limiter("redis://127.0.0.1:1", 1, 1);
  for (let i = 0; i < 5; i++) assert.deepEqual(await down.take("dave"), { allowed: true });
  const warnings = logs.filter((line) => line.includes("rate limiter cannot reach Redis"));
  assert.equal(warnings.length, 1);
});
