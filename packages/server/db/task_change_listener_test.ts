import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MikroORM } from "@mikro-orm/postgresql";
import { pino } from "pino";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { initOrm } from "./init_orm.ts";
import { TaskChangeListener } from "./task_change_listener.ts";
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25);
  assert.ok(check(), what);
}

function listen() {
  const changes: string[] = [];
  const edges: boolean[] = [];
  const listener = new TaskChangeListener(db.url, {
    onChange: (id) => changes.push(id),
    onListening: (on) => edges.push(on),
    logger: pino({ level: "silent" }),
    retryMs: 50,
  });
  listener.start();
  return { listener, changes, edges };
}

const task = (id: string) => ({ id, ownerId: "alice", status: "SUCCEEDED" as const, outputs: [] });

test("hears every committed replace, and nothing of one rolled back", async () => {
  const { listener, changes } = listen();
  try {
    await eventually(() => listener.listening, "listening");
    await new PgTaskRepository(orm).replace(task("n1"));
    const broken = {
      ...task("n2"),
      outputs: [{ fileName: "", storageKey: null as unknown as string, size: 1, contentType: null, sha256: null }],
    };
    await assert.rejects(new PgTaskRepository(orm).replace(broken));
    await new PgTaskRepository(orm).replace(task("n3"));
    await eventually(() => changes.length >= 2, "two notices");
    await sleep(100);
    assert.deepEqual(changes, ["n1", "n3"]);
  } finally {
    await listener.close();
  }
});

test("a lost connection is reported, retried and listened on again", async () => {
  const { listener, changes, edges } = listen();
  try {
    await eventually(() => listener.listening, "listening");
    await orm.em
      .getConnection()
      .execute("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'taskdl-task-changes'");
    await eventually(() => edges.length >= 3, "lost, then back");
    assert.deepEqual(edges.slice(0, 3), [true, false, true]);
    await new PgTaskRepository(orm).replace(task("n4"));
    await eventually(() => changes.includes("n4"), "notices after reconnecting");
  } finally {
    await listener.close();
  }
  assert.equal(listener.listening, false);
});

test("an unreachable database is retried quietly until close", async () => {
  const edges: boolean[] = [];
  const listener = new TaskChangeListener("postgres://postgres@127.0.0.1:1/none", {
    onChange: () => {},
    onListening: (on) => edges.push(on),
    logger: pino({ level: "silent" }),
    retryMs: 20,
  });
  listener.start();
  await sleep(300);
  assert.equal(listener.listening, false);
  await listener.close();
  assert.deepEqual(edges, []);
});
