import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LocalUrlSigner } from "@taskdl/storage/local";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

// The finished-task cache seen from outside: a finished task is answered from
// memory, ownership is still checked, the replica that takes a write never
// serves the old record, other replicas drop it when the write's change
// notice arrives — and, where notices are off or lost, serve it for at most
// TASK_CACHE_TTL_MS.

const PATH = `${ROUTES.getDownloadUrl.path}?taskId=`;
let writer: TestServer;
let other: TestServer;
let deaf: TestServer;

before(async () => {
  // Entries live 5 minutes while notices flow; without them, 3 s: only notices can make a write seen within 1 s.
  writer = await startTestServer({ TASK_CACHE_TTL_MS: "3000" });
  // Replicas on the same database (and the same storage folder, as replicas share a store).
  const replica = {
    DATABASE_URL: writer.config.databaseUrl as string,
    STORAGE_LOCAL_DIR: (writer.running.signer as LocalUrlSigner).root,
  };
  other = await startTestServer({ TASK_CACHE_TTL_MS: "3000", ...replica });
  deaf = await startTestServer({ TASK_CACHE_TTL_MS: "1500", TASK_CACHE_LISTEN: "false", ...replica });
  await Promise.all([listening(writer), listening(other)]);
});
after(async () => {
  await deaf?.close();
  await other?.close();
  await writer?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The listeners' own connections, as PostgreSQL sees them.
const listeners = async () =>
  (await writer.running.orm.em
    .getConnection()
    .execute("select pid from pg_stat_activity where application_name = 'taskdl-task-changes'")) as { pid: number }[];

async function listening(server: TestServer): Promise<void> {
  for (let i = 0; i < 100 && !server.running.taskCacheListening(); i++) await sleep(50);
  assert.ok(server.running.taskCacheListening(), "the replica listens for task changes");
}

// Polls until `expected` or the deadline; answers how long it took.
async function until(server: TestServer, taskId: string, expected: string, deadlineMs: number): Promise<number> {
  const started = Date.now();
  while ((await names(server, taskId)) !== expected) {
    assert.ok(Date.now() - started < deadlineMs, `${taskId} still not ${expected} after ${deadlineMs} ms`);
    await sleep(20);
  }
  return Date.now() - started;
}

const names = async (server: TestServer, taskId: string, user = "alice") => {
  const res = await server.get(`${PATH}${taskId}`, server.token(user));
  if (res.status !== 200) return res.status;
  const body = (await res.json()) as { data: { downloadUrls: { fileName: string }[] } };
  return body.data.downloadUrls.map((vo) => vo.fileName).join(",");
};

const put = (taskId: string, fileNames: string[]) =>
  writer.putTask({
    taskId,
    ownerId: "alice",
    status: "SUCCEEDED",
    outputs: fileNames.map((fileName) => ({ fileName, storageKey: `cache/${taskId}/${fileName}` })),
  });

test("a finished task is answered from memory: no query, ownership still checked", async () => {
  assert.equal((await put("c1", ["a.tif"])).status, 200);
  assert.equal(await names(writer, "c1"), "a.tif");
  await writer.running.orm.em.getConnection().execute('ALTER TABLE "task_output" RENAME TO "task_output_away"');
  try {
    assert.equal(await names(writer, "c1"), "a.tif", "served while its table is gone: no query was made");
    assert.equal(await names(writer, "c1", "bob"), 404, "another user still gets 404");
  } finally {
    await writer.running.orm.em.getConnection().execute('ALTER TABLE "task_output_away" RENAME TO "task_output"');
  }
});

test("the replica that takes a write serves the new record at once; others as soon as the notice arrives", async () => {
  assert.equal((await put("c2", ["old.tif"])).status, 200);
  for (const server of [writer, other]) assert.equal(await names(server, "c2"), "old.tif");
  assert.equal((await put("c2", ["new.tif"])).status, 200);
  assert.equal(await names(writer, "c2"), "new.tif", "no staleness where the write happened");
  // Well inside the age bounds the cached old record would otherwise be served for.
  await until(other, "c2", "new.tif", 1000);
});

test("with notices off, another replica serves the old record for at most TASK_CACHE_TTL_MS", async () => {
  assert.equal((await put("c4", ["old.tif"])).status, 200);
  assert.equal(await names(deaf, "c4"), "old.tif");
  assert.equal((await put("c4", ["new.tif"])).status, 200);
  const stale = await names(deaf, "c4");
  assert.ok(stale === "old.tif" || stale === "new.tif");
  await sleep(1600);
  assert.equal(await names(deaf, "c4"), "new.tif", "fresh after TASK_CACHE_TTL_MS");
});

test("when the notices' connection is lost, what was cached is trusted for TASK_CACHE_TTL_MS more, and notices resume", async () => {
  assert.equal((await put("c5", ["old.tif"])).status, 200);
  assert.equal(await names(other, "c5"), "old.tif");
  const before = await listeners();
  assert.equal(before.length, 2, "one listening connection per listening replica");
  await writer.running.orm.em
    .getConnection()
    .execute("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'taskdl-task-changes'");
  // Written while the replicas may not be listening: its notice can be missed, yet not for longer than 3 s.
  assert.equal((await put("c5", ["new.tif"])).status, 200);
  await until(other, "c5", "new.tif", 4000);
  await Promise.all([listening(writer), listening(other)]);
  const after = await listeners();
  assert.equal(after.length, 2, "reconnected");
  assert.ok(
    after.every(({ pid }) => !before.some((old) => old.pid === pid)),
    "on new connections",
  );
  // Notices flow again: a cached record is dropped at once.
  assert.equal(await names(other, "c5"), "new.tif");
  assert.equal((await put("c5", ["newer.tif"])).status, 200);
  await until(other, "c5", "newer.tif", 1000);
});

test("unfinished tasks are never cached: the moment a task succeeds, it is served", async () => {
  assert.equal((await writer.putTask({ taskId: "c3", ownerId: "alice", status: "RUNNING", outputs: [] })).status, 200);
  assert.equal(await names(other, "c3"), 400);
  assert.equal((await put("c3", ["done.tif"])).status, 200);
  assert.equal(await names(other, "c3"), "done.tif", "even on the replica that did not take the write");
});

test("a hot task of many outputs is answered with the same bytes within a second, and its links work", async () => {
  const files = Array.from({ length: 12 }, (_, i) => `tile_${i}.tif`);
  assert.equal((await put("c6", files)).status, 200);
  const body = async () => (await writer.get(`${PATH}c6`, writer.token("alice"))).text();
  let first = "";
  let second = "";
  for (let second0 = -1; second0 !== Math.floor(Date.now() / 1000);) {
    second0 = Math.floor(Date.now() / 1000);
    [first, second] = [await body(), await body()];
  }
  assert.equal(second, first, "the same answer within its second");
  const answer = JSON.parse(first) as { data: { downloadUrls: { fileName: string; downloadUrl: string }[] } };
  assert.deepEqual(
    answer.data.downloadUrls.map((vo) => vo.fileName),
    files,
  );
  const link = answer.data.downloadUrls[7] as { downloadUrl: string };
  const download = await fetch(link.downloadUrl);
  assert.equal(download.status, 200);
  assert.equal(await download.text(), "content of tile_7.tif");
  assert.equal(await names(writer, "c6", "bob"), 404, "ownership is checked for a shared answer too");
  assert.equal((await put("c6", ["only.tif"])).status, 200);
  assert.equal(await names(writer, "c6"), "only.tif", "a replaced task is not answered from the old second");
});

test("a task asked for before it exists is served everywhere as soon as it is recorded", async () => {
  for (const server of [writer, other, deaf]) assert.equal(await names(server, "c7"), 404);
  assert.equal(await names(other, "c7"), 404, "asked twice: now known missing on the listening replica");
  assert.equal((await put("c7", ["late.tif"])).status, 200);
  assert.equal(await names(writer, "c7"), "late.tif");
  assert.equal(await names(deaf, "c7"), "late.tif", "without notices nothing missing is remembered");
  await until(other, "c7", "late.tif", 1000);
});
