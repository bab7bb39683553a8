import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { MikroORM } from "@mikro-orm/postgresql";
import { PutTaskRequest } from "@taskdl/contract";
import type { UrlSigner } from "@taskdl/storage";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { initOrm } from "../db/init_orm.ts";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import { HashSlots } from "./hash_slots.ts";
import { putTask } from "./put_task.ts";

let db: TestDatabase;
let orm: MikroORM;
let root: string;
let local: LocalUrlSigner;

before(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url);
  root = mkdtempSync(join(tmpdir(), "taskdl-put-"));
  local = new LocalUrlSigner(root, { baseUrl: "http://127.0.0.1:1", keys: [{ kid: "k", key: "k".repeat(32) }] });
});

after(async () => {
  await orm.close();
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

/** The real local adapter, noting how many of its reads are open at once. */
function watching(): { signer: UrlSigner; most: () => number; reads: () => number } {
  let open = 0;
  let most = 0;
  let reads = 0;
  const signer: UrlSigner = {
    driver: local.driver,
    sign: (key, options) => local.sign(key, options),
    stat: (key) => local.stat(key),
    write: (key, body) => local.write(key, body),
    readRange: (key, offset, length) => local.readRange(key, offset, length),
    read: async (key) => {
      reads += 1;
      open += 1;
      most = Math.max(most, open);
      const stream = await local.read(key);
      stream.once("close", () => (open -= 1));
      return stream;
    },
  };
  return { signer, most: () => most, reads: () => reads };
}

test("outputs are hashed a few at a time, each object once, and recorded", async () => {
  const outputs = [];
  for (let i = 0; i < 12; i++) {
    await local.write(`many/${i}.bin`, Buffer.alloc(512 * 1024, i));
    outputs.push({ fileName: `${i}.bin`, storageKey: `many/${i}.bin` });
  }
  // The same object under a second name is read once.
  outputs.push({ fileName: "again.bin", storageKey: "many/0.bin" });
  const tasks = new PgTaskRepository(orm);
  const { signer, most, reads } = watching();
  const request = PutTaskRequest.parse({ taskId: "many", ownerId: "o", status: "SUCCEEDED", outputs });
  const answer = await putTask(request, { tasks, signer, hashConcurrency: 3 });
  assert.equal(most(), 3, "at most hashConcurrency reads at once, and that many");
  assert.equal(reads(), 12);
  const expected = (i: number) =>
    createHash("sha256")
      .update(Buffer.alloc(512 * 1024, i))
      .digest("hex");
  assert.deepEqual(
    answer.outputs.map((output) => output.sha256),
    [...Array.from({ length: 12 }, (_, i) => expected(i)), expected(0)],
  );
  const stored = await tasks.findWithOutputs("many");
  assert.deepEqual(
    stored?.outputs.map((output) => output.sha256),
    answer.outputs.map((output) => output.sha256),
  );
  const recorded = await tasks.findHashes(["many/0.bin", "many/1.bin", "none"]);
  assert.deepEqual(recorded.map((hash) => hash.storageKey).sort(), ["many/0.bin", "many/1.bin"]);
  assert.deepEqual(
    recorded.find((hash) => hash.storageKey === "many/0.bin")?.version,
    (await local.stat("many/0.bin")).version,
  );
});

test("a hash the writer gave is not offered for reuse", async () => {
  await local.write("given/x.bin", "x");
  const tasks = new PgTaskRepository(orm);
  const given = "0".repeat(64);
  const request = PutTaskRequest.parse({
    taskId: "given",
    ownerId: "o",
    status: "SUCCEEDED",
    outputs: [{ fileName: "x.bin", storageKey: "given/x.bin", sha256: given }],
  });
  assert.equal((await putTask(request, { tasks, signer: local })).outputs[0]?.sha256, given);
  assert.deepEqual(await tasks.findHashes(["given/x.bin"]), []);
  const { signer, reads } = watching();
  const unstated = PutTaskRequest.parse({
    taskId: "given-2",
    ownerId: "o",
    status: "SUCCEEDED",
    outputs: [{ fileName: "x.bin", storageKey: "given/x.bin" }],
  });
  const answer = await putTask(unstated, { tasks, signer });
  assert.equal(reads(), 1, "the service takes its own hash");
  assert.equal(answer.outputs[0]?.sha256, createHash("sha256").update("x").digest("hex"));
});

test("the replica's hash slots bound the reads of all requests together", async () => {
  const tasks = new PgTaskRepository(orm);
  const { signer, most, reads } = watching();
  const hashSlots = new HashSlots(2);
  const requests = [];
  for (const id of ["slots-a", "slots-b", "slots-c"]) {
    const outputs = [];
    for (let i = 0; i < 4; i++) {
      await local.write(`${id}/${i}.bin`, Buffer.alloc(256 * 1024, i + id.length));
      outputs.push({ fileName: `${i}.bin`, storageKey: `${id}/${i}.bin` });
    }
    requests.push(PutTaskRequest.parse({ taskId: id, ownerId: "o", status: "SUCCEEDED", outputs }));
  }
  await Promise.all(requests.map((request) => putTask(request, { tasks, signer, hashConcurrency: 4, hashSlots })));
  assert.equal(reads(), 12);
  assert.equal(most(), 2, "three requests of four each, two reads at a time");
});
