import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { HashSlots } from "./hash_slots.ts";

test("at most the limit run at once, in arrival order, and a failure frees its slot", async () => {
  const slots = new HashSlots(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const work = (id: number) =>
    slots.run(async () => {
      started.push(id);
      running += 1;
      most = Math.max(most, running);
      await sleep(5);
      running -= 1;
      if (id === 1) throw new Error("store fault");
      return id;
    });
  const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(work));
  assert.equal(most, 2);
  assert.deepEqual(started, [1, 2, 3, 4, 5, 6]);
  assert.equal(results[0]?.status, "rejected");
  assert.deepEqual(
    results.slice(1).map((result) => (result.status === "fulfilled" ? result.value : undefined)),
    [2, 3, 4, 5, 6],
  );
  assert.equal(await slots.run(() => Promise.resolve("free again")), "free again");
  assert.throws(() => new HashSlots(0), RangeError);
});
