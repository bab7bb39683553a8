import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { UrlSigner } from "@taskdl/storage";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { initOrm } from "../db/init_orm.ts";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import type { TaskOutputRecord } from "../tasks/task_record.ts";
import { backfillChecksums } from "./backfill_checksums.ts";

const REPOSITORY = resolve(import.meta.dirname, "../../..");

let db: TestDatabase;
let orm: MikroORM;
let root: string;
let local: LocalUrlSigner;
let tasks: PgTaskRepository;

before(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url);
  tasks = new PgTaskRepository(orm);
  root = mkdtempSync(join(tmpdir(), "taskdl-backfill-"));
  local = new LocalUrlSigner(root, { baseUrl: "http://127.0.0.1:1", keys: [{ kid: "k", key: "k".repeat(32) }] });
});

after(async () => {
  await orm.close();
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

const sha256Of = (text: string) => createHash("sha256").update(text).digest("hex");

/** The real local adapter, counting its reads. */
function counting(): { signer: UrlSigner; reads: string[] } {
  const reads: string[] = [];
  const signer: UrlSigner = {
    driver: local.driver,
    sign: (key, options) => local.sign(key, options),
    stat: (key) => local.stat(key),
    write: (key, body) => local.write(key, body),
    read: (key) => (reads.push(key), local.read(key)),
    readRange: (key, offset, length) => local.readRange(key, offset, length),
  };
  return { signer, reads };
}

/** A task as the release before hashing recorded it: no sha256 where none was given. */
async function recordOld(id: string, status: "SUCCEEDED" | "PENDING", files: [string, string | null][]) {
  const outputs: TaskOutputRecord[] = [];
  for (const [name, sha256] of files) {
    const key = `${id}/${name}`;
    if (!name.startsWith("gone")) await local.write(key, `bytes of ${key}`);
    outputs.push({ fileName: name, storageKey: key, size: 1, contentType: null, sha256 });
  }
  await tasks.replace({ id, ownerId: "o", status, outputs });
}

async function hashes(id: string): Promise<(string | null)[]> {
  return ((await tasks.findWithOutputs(id))?.outputs ?? []).map((output) => output.sha256);
}

test("outputs of succeeded tasks get their hash; a rerun has nothing to do; a stopped run resumes", async () => {
  const given = "e".repeat(64);
  for (let i = 0; i < 6; i++)
    await recordOld(`old-${i}`, "SUCCEEDED", [
      ["a.bin", null],
      ["b.bin", null],
    ]);
  await recordOld("old-given", "SUCCEEDED", [
    ["c.bin", given],
    ["gone.bin", null],
  ]);
  await recordOld("old-pending", "PENDING", [["p.bin", null]]);

  // Stopped after three outputs, as Ctrl-C does: those stay recorded.
  const stop = new AbortController();
  const first = counting();
  const partial = await backfillChecksums(orm, first.signer, {
    concurrency: 1,
    batchSize: 2,
    signal: stop.signal,
    onProgress: (progress) => progress.done === 3 && stop.abort(),
  });
  assert.equal(partial.stopped, true);
  assert.equal(partial.total, 13, "six tasks of two, and the gone one; not the given, not the pending");
  assert.equal(partial.done, 3);
  assert.deepEqual(first.reads, ["old-0/a.bin", "old-0/b.bin", "old-1/a.bin"]);

  const second = counting();
  const rest = await backfillChecksums(orm, second.signer, { concurrency: 3, batchSize: 4 });
  assert.equal(rest.stopped, false);
  assert.equal(rest.total, 10, "what the stopped run left");
  assert.deepEqual([rest.hashed, rest.reused, rest.skipped], [9, 0, 1]);
  assert.equal(second.reads.length, 9, "nothing done before is read again");
  assert.ok(!second.reads.some((key) => first.reads.includes(key)));
  assert.deepEqual(rest.missing, [{ taskId: "old-given", fileName: "gone.bin" }]);

  for (let i = 0; i < 6; i++) {
    assert.deepEqual(await hashes(`old-${i}`), [
      sha256Of(`bytes of old-${i}/a.bin`),
      sha256Of(`bytes of old-${i}/b.bin`),
    ]);
  }
  assert.deepEqual(await hashes("old-given"), [given, null], "a given hash stays; a gone object stays without");
  assert.deepEqual(await hashes("old-pending"), [null], "an unfinished task is hashed when it is ingested as done");

  const third = counting();
  const again = await backfillChecksums(orm, third.signer);
  assert.deepEqual([again.total, again.hashed, again.reused, third.reads.length], [1, 0, 0, 0], "idempotent");
  // What the backfill took is reused by ingest, as ingest's own hashes are.
  assert.equal((await tasks.findHashes(["old-0/a.bin"]))[0]?.sha256, sha256Of("bytes of old-0/a.bin"));
});

test("an object several outputs name is read once, the rest reuse its hash", async () => {
  await local.write("shared/x.bin", "shared bytes");
  for (const id of ["s-1", "s-2", "s-3"]) {
    await tasks.replace({
      id,
      ownerId: "o",
      status: "SUCCEEDED",
      outputs: [{ fileName: "x.bin", storageKey: "shared/x.bin", size: 12, contentType: null, sha256: null }],
    });
  }
  const { signer, reads } = counting();
  const progress = await backfillChecksums(orm, signer, { batchSize: 2 });
  assert.deepEqual(reads, ["shared/x.bin"]);
  assert.deepEqual([progress.hashed, progress.reused], [1, 2]);
  for (const id of ["s-1", "s-2", "s-3"]) assert.deepEqual(await hashes(id), [sha256Of("shared bytes")]);
});

test("npm run checksums:backfill runs on the service's configuration and prints a summary, no progress line off a terminal", async () => {
  await recordOld("cli-1", "SUCCEEDED", [["a.bin", null]]);
  const run = (args: string[] = []) =>
    promisify(execFile)("npm", ["run", "-s", "checksums:backfill", "--", ...args], {
      cwd: REPOSITORY,
      env: { ...process.env, DATABASE_URL: db.url, STORAGE_LOCAL_DIR: root, DATA_DIR: join(root, ".data") },
    });
  const first = await run(["--concurrency", "2"]);
  // The object of the first test's gone.bin is still gone: listed again, never an error.
  assert.match(first.stdout, /^done: 2\/2 outputs: 1 hashed, 0 reused, 1 skipped, [\d.]+ MB read/);
  assert.match(first.stdout, /no object for task old-given, file "gone.bin": left without a hash/);
  assert.equal(first.stderr.includes("\r"), false);
  assert.deepEqual(await hashes("cli-1"), [sha256Of("bytes of cli-1/a.bin")]);
  assert.match((await run()).stdout, /^done: 1\/1 outputs: 0 hashed, 0 reused, 1 skipped/);
  await assert.rejects(run(["--concurrency", "0"]), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /--concurrency must be a whole number from 1 to 64/);
    return true;
  });
});

test("on a terminal, a progress line is drawn in place", async () => {
  await recordOld("tty-1", "SUCCEEDED", [["a.bin", null]]);
  // util-linux's script(1) gives the command a pseudo-terminal (Debian's bsdutils, an essential package).
  const { stdout } = await promisify(execFile)("script", ["-qec", "npm run -s checksums:backfill", "/dev/null"], {
    cwd: REPOSITORY,
    env: { ...process.env, DATABASE_URL: db.url, STORAGE_LOCAL_DIR: root, DATA_DIR: join(root, ".data") },
  });
  assert.ok(/\d+\/2 outputs: /.test(stdout) && stdout.includes("\r\u001b[K"), "drawn, then redrawn in place");
  assert.match(stdout, /done: 2\/2 outputs: 1 hashed/);
});
