import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MikroORM } from "@mikro-orm/postgresql";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { initOrm } from "./init_orm.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import type { TaskRecord } from "../tasks/task_record.ts";
import { PgTaskRepository } from "./pg_task_repository.ts";

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

const task = (id: string, outputs: number): TaskRecord => ({
  id,
  ownerId: "alice",
  status: "SUCCEEDED",
  outputs: Array.from({ length: outputs }, (_, i) => ({
    fileName: `f${outputs - i}.tif`,
    storageKey: `k/${id}/${i}`,
    size: 5_000_000_000 + i,
    contentType: i % 2 === 0 ? "image/tiff" : null,
    sha256: null,
  })),
});

// A loaded record less what the repository adds (its times, and the georeference of outputs that have none).
function asGiven(record: TaskRecord | null): TaskRecord | null {
  if (record === null) return null;
  const { createdAt: _c, updatedAt: _u, finishedAt: _f, ...rest } = record;
  return {
    ...rest,
    outputs: rest.outputs.map(({ georeference, ...output }) =>
      georeference === null ? output : { ...output, georeference },
    ),
  };
}

test("the committed migrations build exactly the schema the entities describe", async () => {
  const executed = await orm.migrator.getExecuted();
  assert.deepEqual(
    executed.map((migration) => migration.name),
    ["Migration20261125Initial", "Migration20261201HashedVersion", "Migration20261202FinishedAtGeoreference"],
  );
  const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false });
  assert.equal(drift.trim(), "", `entities and migrations differ:\n${drift}`);
});

test("applying migrations again changes nothing", async () => {
  assert.deepEqual(await orm.migrator.up(), []);
});

test("a task and its outputs load with one SQL query, in recorded order, sizes as numbers", async () => {
  await new PgTaskRepository(orm).replace(task("one-query", 50));
  const queries: string[] = [];
  const logging = await initOrm(db.url, { migrate: false, onLog: (line) => queries.push(line) });
  try {
    logging.config.set("debug", ["query"]);
    await logging.em.getConnection().execute("select 1"); // connect first: only the load is counted
    queries.length = 0;
    const loaded = await new PgTaskRepository(logging).findWithOutputs("one-query");
    assert.equal(queries.filter((line) => /select/i.test(line)).length, 1, queries.join("\n"));
    assert.deepEqual(asGiven(loaded), task("one-query", 50));
    assert.equal(typeof loaded?.outputs[0]?.size, "number");
  } finally {
    await logging.close();
  }
});

test("replace is all or nothing: a failing write leaves the earlier record", async () => {
  const repository = new PgTaskRepository(orm);
  await repository.replace(task("atomic", 2));
  const broken = task("atomic", 3);
  broken.ownerId = "mallory";
  (broken.outputs[2] as { fileName: string }).fileName = "x".repeat(300); // longer than the column
  await assert.rejects(new PgTaskRepository(orm).replace(broken));
  assert.deepEqual(asGiven(await new PgTaskRepository(orm).findWithOutputs("atomic")), task("atomic", 2));
});

test("concurrent replaces of one task leave one of them whole", async () => {
  const versions = Array.from({ length: 8 }, (_, i) => ({ ...task("race", i + 1), ownerId: `owner-${i}` }));
  await Promise.all(versions.map((version) => new PgTaskRepository(orm).replace(version)));
  const final = await new PgTaskRepository(orm).findWithOutputs("race");
  const winner = versions.find((version) => version.ownerId === final?.ownerId);
  assert.deepEqual(asGiven(final), winner);
});

test("replicas that start together on an empty database migrate it once, one after the other", async () => {
  const fresh = await createTestDatabase();
  const orms: MikroORM[] = [];
  try {
    // Five replicas at once (a Deployment scaled up on a new database); each pool as small as it may be.
    const started = await Promise.allSettled(Array.from({ length: 5 }, () => initOrm(fresh.url, { poolMax: 1 })));
    for (const result of started) if (result.status === "fulfilled") orms.push(result.value);
    assert.deepEqual(
      started.filter((result) => result.status === "rejected").map((result) => String(result.reason)),
      [],
    );
    const [first] = orms;
    assert.ok(first !== undefined);
    const executed = await first.migrator.getExecuted();
    assert.deepEqual(
      executed.map((migration) => migration.name),
      MIGRATIONS.map((migration) => migration.name),
      "each migration recorded once",
    );
  } finally {
    for (const started of orms) await started.close();
    await fresh.drop();
  }
});
