import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { MikroORM } from "@mikro-orm/postgresql";
import { initOrm } from "../db/init_orm.ts";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import { ApiError } from "../envelope/api_error.ts";
import type { UrlSigner } from "@taskdl/storage";
import { LocalUrlSigner } from "@taskdl/storage/local";
import type { SignOptions } from "@taskdl/storage";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { getDownloadUrls } from "./get_download_urls.ts";

let db: TestDatabase;
let orm: MikroORM;
const root = mkdtempSync(join(tmpdir(), "taskdl-gdu-"));
const signer = new LocalUrlSigner(root, { baseUrl: "http://127.0.0.1:1", keys: [{ kid: "k1", key: "k".repeat(32) }] });

before(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url);
  await new PgTaskRepository(orm).replace({
    id: "t1",
    ownerId: "alice",
    status: "SUCCEEDED",
    outputs: [
      { fileName: "b.tif", storageKey: "k/b", size: 7, contentType: "image/tiff", sha256: "c".repeat(64) },
      { fileName: "a.pdf", storageKey: "k/a", size: 3, contentType: null, sha256: null },
    ],
  });
});

after(async () => {
  await orm.close();
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

function context(overrides: { now?: () => number; userId?: string } = {}) {
  return {
    userId: "alice",
    tasks: new PgTaskRepository(orm),
    signer,
    defaultTtl: 3600,
    maxTtl: 7200,
    ...overrides,
  };
}

test("expiry is the next whole second plus the lifetime, one for all URLs", async () => {
  const now = Date.UTC(2030, 0, 1, 10, 0, 0, 1); // one millisecond past the second
  const resp = await getDownloadUrls({ taskId: "t1", expiresIn: 60 }, context({ now: () => now }));
  assert.deepEqual(
    resp.downloadUrls.map((vo) => vo.expiresAt),
    ["2030-01-01T10:01:01Z", "2030-01-01T10:01:01Z"],
  );
  const onTheSecond = await getDownloadUrls({ taskId: "t1" }, context({ now: () => Date.UTC(2030, 0, 1, 10, 0, 0) }));
  assert.equal(onTheSecond.downloadUrls[0]?.expiresAt, "2030-01-01T11:00:00Z");
});

test("signs each output's key with its file name, media type and the shared expiry", async () => {
  const calls: [string, SignOptions][] = [];
  const recording = {
    driver: "recording",
    sign: (key: string, options: SignOptions) => {
      calls.push([key, options]);
      return `https://example.com/${calls.length}`;
    },
    stat: () => Promise.reject(new Error("not used")),
    read: () => Promise.reject(new Error("not used")),
    readRange: () => Promise.reject(new Error("not used")),
    write: () => Promise.reject(new Error("not used")),
  };
  const resp = await getDownloadUrls({ taskId: "t1" }, { ...context(), signer: recording });
  assert.deepEqual(
    calls.map(([key, options]) => [key, options.fileName, options.contentType, options.taskId, options.sha256]),
    [
      ["k/b", "b.tif", "image/tiff", "t1", "c".repeat(64)],
      ["k/a", "a.pdf", undefined, "t1", undefined],
    ],
  );
  assert.equal(calls[0]?.[1].expiresAt.getTime(), calls[1]?.[1].expiresAt.getTime());
  assert.deepEqual(
    resp.downloadUrls.map((vo) => vo.downloadUrl),
    ["https://example.com/1", "https://example.com/2"],
  );
  assert.equal(resp.totalSize, 10);
});

test("a lifetime over the maximum is refused before the database is asked", async () => {
  await assert.rejects(
    getDownloadUrls({ taskId: "t1", expiresIn: 7201 }, context()),
    (error: unknown) =>
      error instanceof ApiError && error.message === "Request parameter error: expiresIn must be at most 7200 seconds",
  );
});

test("another user's task and a missing task throw the same error", async () => {
  const foreign = await getDownloadUrls({ taskId: "t1" }, context({ userId: "bob" })).catch((error: unknown) => error);
  const missing = await getDownloadUrls({ taskId: "t2" }, context()).catch((error: unknown) => error);
  assert.ok(foreign instanceof ApiError && missing instanceof ApiError);
  assert.deepEqual([foreign.code, foreign.message], [missing.code, missing.message]);
});

test("with SignedAnswers, a hot task is signed once per record and expiry; a replaced task is signed again", async () => {
  const { SignedAnswers } = await import("../hot/signed_answers.ts");
  const { TaskCache } = await import("./task_cache.ts");
  const { CachedTaskRepository } = await import("./cached_task_repository.ts");
  let signs = 0;
  // The real local adapter, counting its signatures.
  const counting: UrlSigner = {
    driver: "counting",
    sign: (key, options) => `${signer.sign(key, options)}&n=${++signs}`,
    stat: (key) => signer.stat(key),
    read: (key) => signer.read(key),
    readRange: (key, offset, length) => signer.readRange(key, offset, length),
    write: (key, body) => signer.write(key, body),
  };
  const cache = new TaskCache({ capacity: 1000, ttlMs: 60_000 });
  const answers = new SignedAnswers({ capacity: 1000, minOutputs: 1, now: () => 5_000 });
  const shared = new CachedTaskRepository(new PgTaskRepository(orm), cache);
  const repository = () => shared;
  await repository().replace({
    id: "hot",
    ownerId: "alice",
    status: "SUCCEEDED",
    outputs: [{ fileName: "a", storageKey: "k/a", size: 1, contentType: null, sha256: null }],
  });
  const ask = () =>
    getDownloadUrls(
      { taskId: "hot" },
      {
        userId: "alice",
        tasks: repository(),
        signer: counting,
        defaultTtl: 60,
        maxTtl: 600,
        now: () => 5_000,
        answers,
      },
    );
  const first = await ask();
  const second = await ask();
  assert.equal(second, first, "the same answer object: no signing the second time");
  assert.equal(signs, 1);
  await assert.rejects(
    getDownloadUrls(
      { taskId: "hot" },
      { userId: "bob", tasks: repository(), signer: counting, defaultTtl: 60, maxTtl: 600, now: () => 5_000, answers },
    ),
    { code: 404 },
  );
  await repository().replace({
    id: "hot",
    ownerId: "alice",
    status: "SUCCEEDED",
    outputs: [{ fileName: "b", storageKey: "k/b", size: 1, contentType: null, sha256: null }],
  });
  const third = await ask();
  assert.equal(third.downloadUrls[0]?.fileName, "b");
  assert.equal(signs, 2);
});
