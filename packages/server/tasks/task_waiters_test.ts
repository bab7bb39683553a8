import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiError } from "../envelope/api_error.ts";
import { TaskWaiters } from "./task_waiters.ts";

const soon = (ms: number) => Date.now() + ms;

test("a notice for the task wakes its waiters, which check once more; others sleep on", async () => {
  const waiters = new TaskWaiters({ maxPerUser: 5, maxPerReplica: 5, recheckMs: 60_000 });
  waiters.setNoticed(true);
  let ready = false;
  let checks = 0;
  const check = () => Promise.resolve((checks++, ready));
  const waiting = waiters.waitUntil({ userId: "u", taskId: "t", deadline: soon(5000) }, check);
  await sleep(20);
  waiters.notify("other");
  await sleep(20);
  assert.equal(checks, 1, "a notice for another task wakes nobody");
  ready = true;
  waiters.notify("t");
  assert.equal(await waiting, true);
  assert.equal(checks, 2);
  assert.equal(waiters.size, 0);
});

test("without notices a waiter re-checks every recheckMs, and gives up at the deadline", async () => {
  const waiters = new TaskWaiters({ maxPerUser: 5, maxPerReplica: 5, recheckMs: 50 });
  let checks = 0;
  const start = Date.now();
  const result = await waiters.waitUntil({ userId: "u", taskId: "t", deadline: soon(300) }, () =>
    Promise.resolve((checks++, false)),
  );
  assert.equal(result, false);
  assert.ok(Date.now() - start >= 290);
  assert.ok(checks >= 4 && checks <= 8, `${checks} checks`);
});

test("slots are counted per user and per replica, and given back however a wait ends", async () => {
  const waiters = new TaskWaiters({ maxPerUser: 1, maxPerReplica: 2, recheckMs: 60_000 });
  waiters.setNoticed(true);
  const never = () => Promise.resolve(false);
  const a = waiters.waitUntil({ userId: "a", taskId: "t", deadline: soon(100) }, never);
  await assert.rejects(
    waiters.waitUntil({ userId: "a", taskId: "t", deadline: soon(100) }, never),
    (error: unknown) => error instanceof ApiError && error.code === 429,
  );
  const failing = waiters.waitUntil({ userId: "b", taskId: "t", deadline: soon(100) }, () =>
    Promise.reject(new Error("database down")),
  );
  await assert.rejects(failing, /database down/);
  assert.equal(waiters.size, 1, "a failed check gives its slot back");
  const gone = new AbortController();
  const c = waiters.waitUntil({ userId: "c", taskId: "t", deadline: soon(10_000), signal: gone.signal }, never);
  await assert.rejects(
    waiters.waitUntil({ userId: "d", taskId: "t", deadline: soon(100) }, never),
    (error: unknown) => error instanceof ApiError && error.code === 429,
  );
  gone.abort();
  assert.equal(await c, false);
  assert.equal(await a, false);
  assert.equal(waiters.size, 0);
});

test("close answers every waiter with 503 at once, and every later one", async () => {
  const waiters = new TaskWaiters({ maxPerUser: 5, maxPerReplica: 5, recheckMs: 60_000 });
  const waiting = waiters.waitUntil({ userId: "u", taskId: "t", deadline: soon(60_000) }, () => Promise.resolve(false));
  await sleep(10);
  waiters.close();
  const isShutdown = (error: unknown) => error instanceof ApiError && error.code === 503;
  await assert.rejects(waiting, isShutdown);
  await assert.rejects(
    waiters.waitUntil({ userId: "u", taskId: "t", deadline: soon(1000) }, () => Promise.resolve(true)),
    isShutdown,
  );
  assert.equal(waiters.size, 0);
});
