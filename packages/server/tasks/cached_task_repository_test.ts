import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MikroORM } from "@mikro-orm/postgresql";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { initOrm } from "../db/init_orm.ts";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import { CachedTaskRepository } from "./cached_task_repository.ts";
import { TaskCache } from "./task_cache.ts";
import type { TaskRecord, TaskRepository } from "./task_record.ts";

let db: TestDatabase;
let orm: MikroORM;

before(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url);
});

after(async () => {
  await orm.close();
  await db.drop();
});

const task = (id: string, outputs: number, ownerId = "alice"): TaskRecord => ({
  id,
  ownerId,
  status: "SUCCEEDED",
  outputs: Array.from({ length: outputs }, (_, i) => ({
    fileName: `f${i}.tif`,
    storageKey: `k/${id}/${i}`,
    size: 100 + i,
    contentType: null,
    sha256: null,
  })),
});

/** PostgreSQL's repository, noting each read that reaches it. */
function noting(database: TaskRepository): { repository: TaskRepository; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    repository: {
      findWithOutputs: (id) => (reads.push(id), database.findWithOutputs(id)),
      replace: (record) => database.replace(record),
      findHashes: (keys) => database.findHashes(keys),
    },
  };
}

test("a task answered from the cache makes no query at all", async () => {
  const database = new PgTaskRepository(orm);
  await database.replace(task("lazy", 3));
  const { repository, reads } = noting(database);
  const cached = new CachedTaskRepository(repository, new TaskCache({ capacity: 100, ttlMs: 60_000 }));
  const first = await cached.findWithOutputs("lazy");
  assert.deepEqual(
    first?.outputs,
    task("lazy", 3).outputs.map((output) => ({ ...output, georeference: null })),
  );
  assert.deepEqual(await cached.findWithOutputs("lazy"), first);
  assert.deepEqual(reads, ["lazy"]);
  assert.equal(await cached.findWithOutputs("not-there"), null);
  assert.deepEqual(reads, ["lazy", "not-there"]);
});

test("a write through it drops the task here, so the next read sees the new record", async () => {
  const { repository, reads } = noting(new PgTaskRepository(orm));
  const cached = new CachedTaskRepository(repository, new TaskCache({ capacity: 100, ttlMs: 60_000 }));
  await cached.replace(task("rewritten", 1));
  assert.equal((await cached.findWithOutputs("rewritten"))?.outputs.length, 1);
  await cached.replace(task("rewritten", 2, "bob"));
  const after = await cached.findWithOutputs("rewritten");
  assert.equal(after?.ownerId, "bob");
  assert.equal(after?.outputs.length, 2);
  assert.deepEqual(reads, ["rewritten", "rewritten"]);
});
