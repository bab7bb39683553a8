import assert from "node:assert/strict";
import { test } from "node:test";
import type { TaskRecord } from "./task_record.ts";
import { TaskCache } from "./task_cache.ts";

const task = (id: string, outputs = 2, status: TaskRecord["status"] = "SUCCEEDED"): TaskRecord => ({
  id,
  ownerId: "alice",
  status,
  outputs: Array.from({ length: outputs }, (_, i) => ({
    fileName: `${i}.tif`,
    storageKey: `${id}/${i}.tif`,
    size: i,
    contentType: null,
    sha256: null,
  })),
});

test("a finished task is served until its age bound, then read again", () => {
  let now = 0;
  const cache = new TaskCache({ capacity: 100, ttlMs: 1000, now: () => now });
  cache.set(task("a"), cache.epoch);
  assert.equal(cache.get("a")?.id, "a");
  now = 999;
  assert.equal(cache.get("a")?.id, "a");
  now = 1000;
  assert.equal(cache.get("a"), undefined);
  assert.equal(cache.weight, 0);
});

test("only SUCCEEDED tasks are kept, and they are frozen", () => {
  const cache = new TaskCache({ capacity: 100, ttlMs: 1000 });
  for (const status of ["PENDING", "RUNNING", "FAILED"] as const) cache.set(task(status, 1, status), cache.epoch);
  assert.equal(cache.weight, 0);
  cache.set(task("done"), cache.epoch);
  const record = cache.get("done");
  assert.ok(record && Object.isFrozen(record) && Object.isFrozen(record.outputs[0]));
});

test("a write drops the task, and a read that raced with any write is not kept", () => {
  const cache = new TaskCache({ capacity: 100, ttlMs: 1000 });
  cache.set(task("a"), cache.epoch);
  const before = cache.epoch; // a read starts…
  cache.invalidate("a"); // …a write happens…
  cache.set(task("a"), before); // …the read ends with what it saw before the write
  assert.equal(cache.get("a"), undefined);
  cache.set(task("a"), cache.epoch);
  assert.equal(cache.get("a")?.id, "a");
});

test("the weight bound evicts the least recently used; a task bigger than the cache is not kept", () => {
  const cache = new TaskCache({ capacity: 9, ttlMs: 1000 });
  for (const id of ["a", "b", "c"]) cache.set(task(id), cache.epoch); // 3 each
  cache.get("a"); // now b is the least recently used
  cache.set(task("d"), cache.epoch);
  assert.equal(cache.weight, 9);
  assert.equal(cache.get("b"), undefined);
  for (const id of ["a", "c", "d"]) assert.equal(cache.get(id)?.id, id);
  cache.set(task("huge", 9), cache.epoch);
  assert.equal(cache.get("huge"), undefined);
  assert.equal(cache.weight, 9);
});

test("while change notices arrive, entries live for noticedTtlMs; when they stop, ttlMs more at most", () => {
  let now = 0;
  const cache = new TaskCache({ capacity: 100, ttlMs: 1000, noticedTtlMs: 60_000, now: () => now });
  cache.set(task("before"), cache.epoch);
  cache.setNoticed(true);
  assert.equal(cache.get("before")?.id, "before", "kept before notices: still within its ttlMs");
  cache.set(task("long"), cache.epoch);
  cache.set(task("ending"), cache.epoch);
  now = 59_000;
  assert.equal(cache.get("long")?.id, "long", "noticedTtlMs, not ttlMs");
  assert.equal(cache.get("before"), undefined);
  const epoch = cache.epoch;
  cache.setNoticed(false);
  now = 59_999;
  assert.equal(
    cache.get("long")?.id,
    "long",
    "notices lost: still served (a database outage does not empty the cache)",
  );
  now = 60_000;
  assert.equal(cache.get("long"), undefined, "…for ttlMs more at most");
  assert.equal(cache.get("ending"), undefined, "never past its own age bound either");
  cache.set(task("raced"), epoch);
  assert.equal(cache.get("raced"), undefined, "a read that began before the loss is not kept");
  cache.set(task("after"), cache.epoch);
  now += 1000;
  assert.equal(cache.get("after"), undefined, "back to ttlMs");
  const beforeReconnect = cache.epoch;
  cache.setNoticed(true);
  cache.set(task("raced-again"), beforeReconnect);
  assert.equal(cache.get("raced-again"), undefined, "a read that began before notices resumed is not kept");
});

test("a missing task is remembered only while notices arrive, until written, and a tenth of capacity at most", () => {
  let now = 0;
  const cache = new TaskCache({ capacity: 30, ttlMs: 1000, noticedTtlMs: 60_000, now: () => now });
  cache.setMissing("ghost", cache.epoch);
  assert.equal(cache.get("ghost"), undefined, "without notices, a new task on another replica must be seen");
  cache.setNoticed(true);
  cache.setMissing("ghost", cache.epoch);
  assert.equal(cache.get("ghost"), null);
  cache.invalidate("ghost");
  assert.equal(cache.get("ghost"), undefined, "created (or announced) since: ask again");
  const epoch = cache.epoch;
  cache.invalidate("other");
  cache.setMissing("ghost", epoch);
  assert.equal(cache.get("ghost"), undefined, "a read that raced with a write is not kept");
  for (const id of ["m1", "m2", "m3", "m4"]) cache.setMissing(id, cache.epoch);
  assert.deepEqual(
    ["m1", "m2", "m3", "m4"].map((id) => cache.get(id)),
    [undefined, null, null, null],
    "3 ids at most (a tenth of 30), the oldest dropped",
  );
  assert.equal(cache.weight, 0, "missing ids do not count against the tasks' capacity");
  now = 60_000;
  assert.equal(cache.get("m4"), undefined, "trusted for noticedTtlMs at most");
  cache.setMissing("m5", cache.epoch);
  cache.setNoticed(false);
  assert.equal(cache.get("m5"), undefined, "notices lost: forgotten");
});
