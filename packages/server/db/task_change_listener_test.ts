import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MikroORM } from "@mikro-orm/postgresql";
import { pino } from "pino";
import { existsSync } from "node:fs";
import { createTestDatabase, PGBOUNCER_PATH, startPgBouncer, type TestDatabase } from "@taskdl/testing";
import { initOrm } from "./init_orm.ts";
import { TASK_CHANGES_CHANNEL, TaskChangeListener } from "./task_change_listener.ts";
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

// The self-check's probes, sent as the replicas send their notices: through the ORM's pool.
const notify = async (payload: string) => {
  await orm.em.getConnection().execute("select pg_notify(?, ?)", [TASK_CHANGES_CHANNEL, payload], "run");
};

function listen(url = db.url, timing: { probeIntervalMs?: number; probeTimeoutMs?: number } = {}) {
  const changes: string[] = [];
  const edges: boolean[] = [];
  const warnings: string[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const listener = new TaskChangeListener(url, {
    onChange: (id) => changes.push(id),
    onListening: (on) => edges.push(on),
    notify,
    logger,
    retryMs: 50,
    ...timing,
  });
  listener.start();
  return { listener, changes, edges, warnings };
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
    notify,
    logger: pino({ level: "silent" }),
    retryMs: 20,
  });
  listener.start();
  await sleep(300);
  assert.equal(listener.listening, false);
  await listener.close();
  assert.deepEqual(edges, []);
});

test("its own probes never count as changes, and it listens only once one has come back", async () => {
  const { listener, changes, edges } = listen(db.url, { probeIntervalMs: 50 });
  try {
    await eventually(() => listener.listening, "listening");
    await sleep(300); // several probes
    assert.deepEqual(changes, []);
    assert.deepEqual(edges, [true]);
  } finally {
    await listener.close();
  }
});

test(
  "behind a transaction-pooling PgBouncer, LISTEN is accepted but nothing comes back: not listening, one warning naming DATABASE_LISTEN_URL",
  { skip: existsSync(PGBOUNCER_PATH) ? false : `${PGBOUNCER_PATH} not found: apt-get install pgbouncer` },
  async () => {
    const bouncer = await startPgBouncer(db.url, { poolMode: "transaction" });
    const { listener, changes, edges, warnings } = listen(bouncer.url(db.url), {
      probeIntervalMs: 100,
      probeTimeoutMs: 300,
    });
    try {
      await sleep(1500); // a few probes, each lost
      assert.equal(listener.listening, false);
      assert.deepEqual(edges, [], "never counted as listening");
      await new PgTaskRepository(orm).replace(task("lost-1"));
      await sleep(300);
      assert.deepEqual(changes, [], "the notice is lost, as the self-check said");
      const lost = warnings.filter((message) => message.includes("change notices do not come back"));
      assert.equal(lost.length, 1, warnings.join("\n"));
      assert.match(lost[0] ?? "", /Point DATABASE_LISTEN_URL at PostgreSQL itself or at a session-mode pool/);
    } finally {
      await listener.close();
      await bouncer.close();
    }
  },
);

test(
  "through a session-mode PgBouncer, notices arrive and it listens",
  { skip: existsSync(PGBOUNCER_PATH) ? false : `${PGBOUNCER_PATH} not found: apt-get install pgbouncer` },
  async () => {
    const bouncer = await startPgBouncer(db.url, { poolMode: "session" });
    const { listener, changes } = listen(bouncer.url(db.url), { probeIntervalMs: 100, probeTimeoutMs: 1000 });
    try {
      await eventually(() => listener.listening, "listening through a session pool");
      await new PgTaskRepository(orm).replace(task("session-1"));
      await eventually(() => changes.includes("session-1"), "the notice arrives");
    } finally {
      await listener.close();
      await bouncer.close();
    }
  },
);
