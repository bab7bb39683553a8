import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LocalUrlSigner } from "../storage/local/local_url_signer.ts";
import { startTestServer, type TestServer } from "../testing/start_test_server.ts";

// The finished-task cache seen from outside: a finished task is answered from
// memory, ownership is still checked, the replica that takes a write never
// serves the old record, and another replica serves it for at most
// TASK_CACHE_TTL_MS.

const PATH = "/analysis/task/get/Download/url?taskId=";
let writer: TestServer;
let other: TestServer;

before(async () => {
  writer = await startTestServer({ TASK_CACHE_TTL_MS: "1500" });
  // A second replica on the same database (and the same storage folder, as replicas share a store).
  other = await startTestServer({
    TASK_CACHE_TTL_MS: "1500",
    DATABASE_URL: writer.config.databaseUrl as string,
    STORAGE_LOCAL_DIR: (writer.running.signer as LocalUrlSigner).root,
  });
});
after(async () => {
  await other?.close();
  await writer?.close();
});

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

test("the replica that takes a write serves the new record at once; another one within the TTL", async () => {
  assert.equal((await put("c2", ["old.tif"])).status, 200);
  assert.equal(await names(writer, "c2"), "old.tif");
  assert.equal(await names(other, "c2"), "old.tif");
  assert.equal((await put("c2", ["new.tif"])).status, 200);
  assert.equal(await names(writer, "c2"), "new.tif", "no staleness where the write happened");
  const stale = await names(other, "c2");
  assert.ok(stale === "old.tif" || stale === "new.tif");
  await new Promise((resolve) => setTimeout(resolve, 1600));
  assert.equal(await names(other, "c2"), "new.tif", "fresh after TASK_CACHE_TTL_MS");
});

test("unfinished tasks are never cached: the moment a task succeeds, it is served", async () => {
  assert.equal((await writer.putTask({ taskId: "c3", ownerId: "alice", status: "RUNNING", outputs: [] })).status, 200);
  assert.equal(await names(other, "c3"), 400);
  assert.equal((await put("c3", ["done.tif"])).status, 200);
  assert.equal(await names(other, "c3"), "done.tif", "even on the replica that did not take the write");
});
