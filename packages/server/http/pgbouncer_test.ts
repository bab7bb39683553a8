import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { ROUTES } from "@taskdl/contract";
import type { LocalUrlSigner } from "@taskdl/storage/local";
import {
  createTestDatabase,
  PGBOUNCER_PATH,
  type PgBouncerHandle,
  startPgBouncer,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from "@taskdl/testing";

// The service as an operator runs it behind a transaction-pooling PgBouncer (Debian's pgbouncer, its
// default settings but pool_mode = transaction): DATABASE_URL is PgBouncer, DATABASE_LISTEN_URL is
// PostgreSQL itself. Nothing the service sends may be refused, change notices must still reach every
// replica, a listener pointed at PgBouncer too must say it hears nothing, and PgBouncer's server
// connections going away must cost bounded 503s only.

const skip = existsSync(PGBOUNCER_PATH) ? false : `${PGBOUNCER_PATH} not found: apt-get install pgbouncer`;
const PATH = `${ROUTES.getDownloadUrl.path}?taskId=`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let database: TestDatabase;
let bouncer: PgBouncerHandle;
const servers: TestServer[] = [];

before(async () => {
  if (skip !== false) return;
  database = await createTestDatabase();
  bouncer = await startPgBouncer(database.url, { poolMode: "transaction" });
});
after(async () => {
  for (const server of servers.reverse()) await server.close();
  await bouncer?.close();
  await database?.drop();
});

/** A replica behind PgBouncer, sharing the first one's storage folder. */
async function replica(env: Record<string, string> = {}): Promise<TestServer> {
  const first = servers[0];
  const server = await startTestServer({
    DATABASE_URL: bouncer.url(database.url),
    DATABASE_LISTEN_URL: database.url,
    TASK_CACHE_TTL_MS: "2000",
    ...(first === undefined ? {} : { STORAGE_LOCAL_DIR: (first.running.signer as LocalUrlSigner).root }),
    ...env,
  });
  servers.push(server);
  return server;
}

async function ready(server: TestServer): Promise<void> {
  for (let i = 0; i < 100 && (await server.get("/readyz")).status !== 200; i++) await sleep(50);
  assert.equal((await server.get("/readyz")).status, 200, "ready behind PgBouncer");
}

const names = async (server: TestServer, taskId: string) => {
  const res = await server.get(`${PATH}${taskId}`, server.token("alice"));
  if (res.status !== 200) return res.status;
  const body = (await res.json()) as { data: { downloadUrls: { fileName: string }[] } };
  return body.data.downloadUrls.map((vo) => vo.fileName).join(",");
};

const put = (server: TestServer, taskId: string, fileNames: string[]) =>
  server.putTask({
    taskId,
    ownerId: "alice",
    status: "SUCCEEDED",
    outputs: fileNames.map((fileName) => ({ fileName, storageKey: `bouncer/${taskId}/${fileName}` })),
  });

describe("behind PgBouncer in transaction mode", { skip }, () => {
  let writer: TestServer;
  let other: TestServer;

  before(async () => {
    writer = await replica();
    other = await replica();
    await Promise.all([ready(writer), ready(other)]);
  });

  test("starts, migrates, records and answers: nothing it sends is refused", async () => {
    assert.equal((await put(writer, "b1", ["a.tif", "b.pdf"])).status, 200);
    assert.equal(await names(writer, "b1"), "a.tif,b.pdf");
    assert.equal(await names(other, "b1"), "a.tif,b.pdf");
    const unsupported = bouncer.log().match(/unsupported startup parameter[^\n]*/g) ?? [];
    assert.deepEqual(unsupported, [], "PgBouncer refused nothing");
  });

  test("a change recorded by one replica reaches the other within a second, through DATABASE_LISTEN_URL", async () => {
    for (let i = 0; i < 100 && !other.running.taskCacheListening(); i++) await sleep(50);
    assert.ok(other.running.taskCacheListening(), "the other replica hears the notices");
    assert.equal((await put(writer, "b2", ["old.tif"])).status, 200);
    assert.equal(await names(other, "b2"), "old.tif"); // now cached there, for 5 minutes while notices flow
    assert.equal((await put(writer, "b2", ["new.tif"])).status, 200);
    const started = Date.now();
    while ((await names(other, "b2")) !== "new.tif") {
      assert.ok(Date.now() - started < 1000, "seen within a second (its age bound alone would be 5 minutes)");
      await sleep(20);
    }
  });

  test("PgBouncer's server connections killed (KILL, then RECONNECT): bounded 503s at most, then recovery", async () => {
    assert.equal((await put(writer, "b3", ["k.tif"])).status, 200);
    for (const command of [`KILL ${database.name}`, `RESUME ${database.name}`, `RECONNECT ${database.name}`]) {
      await bouncer.admin(command).catch((error) => assert.fail(`${command}: ${error}`));
      if (command.startsWith("KILL")) {
        // KILL drops every connection and holds new ones until RESUME: a request meanwhile gets a 503,
        // within the connect timeout, not a hang.
        const started = Date.now();
        const res = await writer.get(`${PATH}b3-${Date.now()}`, writer.token("alice"));
        assert.equal(res.status, 503);
        assert.ok(Date.now() - started < 5000, `a bounded 503 (${Date.now() - started} ms)`);
      }
    }
    const statuses: number[] = [];
    const deadline = Date.now() + 10_000;
    while (statuses.at(-1) !== 200) {
      assert.ok(Date.now() < deadline, `recovered within 10 s: ${statuses.join(",")}`);
      // A new task each time, so the answer comes from the database, not the cache.
      const res = await writer.get(`${PATH}b3`, writer.token("alice"));
      statuses.push(res.status);
      if (res.status !== 200) await sleep(100);
    }
    assert.ok(
      statuses.every((status) => status === 200 || status === 503),
      statuses.join(","),
    );
    assert.equal((await put(writer, "b4", ["after.tif"])).status, 200, "writes work again without a restart");
    assert.equal(await names(other, "b4"), "after.tif");
  });
});

describe("with DATABASE_LISTEN_URL pointing at PgBouncer too", { skip }, () => {
  let writer: TestServer;
  let deaf: TestServer;

  before(async () => {
    writer = await replica();
    deaf = await replica({ DATABASE_LISTEN_URL: bouncer.url(database.url), TASK_CACHE_TTL_MS: "1500" });
    await Promise.all([ready(writer), ready(deaf)]);
  });

  test("the self-check reports not listening, says what to set, and the cache's short bound holds", async () => {
    await sleep(2500); // the first probe and its deadline
    assert.equal(deaf.running.taskCacheListening(), false);
    assert.match(JSON.stringify(deaf.logLines), /change notices do not come back to this replica.*DATABASE_LISTEN_URL/);
    assert.equal((await put(writer, "d1", ["old.tif"])).status, 200);
    assert.equal(await names(deaf, "d1"), "old.tif");
    assert.equal((await put(writer, "d1", ["new.tif"])).status, 200);
    const started = Date.now();
    while ((await names(deaf, "d1")) !== "new.tif") {
      assert.ok(Date.now() - started < 1500 + 500, "fresh within TASK_CACHE_TTL_MS (1.5 s)");
      await sleep(50);
    }
  });
});
