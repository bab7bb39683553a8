import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { TRPCError } from "@trpc/server";
import type { MikroORM } from "@mikro-orm/postgresql";
import { initOrm } from "../db/init_orm.ts";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import { ApiError } from "../envelope/api_error.ts";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { appRouter } from "./app_router.ts";
import { type AppServices, createContext } from "./context.ts";

let db: TestDatabase;
let orm: MikroORM;
let services: AppServices;
const root = mkdtempSync(join(tmpdir(), "taskdl-caller-"));

before(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url);
  services = {
    tasks: new PgTaskRepository(orm),
    signer: new LocalUrlSigner(root, { baseUrl: "http://127.0.0.1:1", keys: [{ kid: "k1", key: "k".repeat(32) }] }),
    ttl: { defaultTtl: 3600, maxTtl: 604800 },
  };
  mkdirSync(join(root, "c"), { recursive: true });
  writeFileSync(join(root, "c", "out.tif"), "1234");
});

after(async () => {
  await orm.close();
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

const caller = (id: string, scopes: string[] = []) =>
  appRouter.createCaller(createContext(services, { user: { id, scopes: new Set(scopes) } }));

test("put then getDownloadUrl through the router, without HTTP", async () => {
  const put = await caller("pipeline", ["tasks:write"]).analysisTask.put({
    taskId: "c1",
    ownerId: "alice",
    status: "SUCCEEDED",
    outputs: [{ fileName: "out.tif", storageKey: "c/out.tif" }],
  });
  assert.equal(put.data.totalSize, 4);
  const got = await caller("alice").analysisTask.getDownloadUrl({ taskId: "c1" });
  assert.equal(got.code, 200);
  assert.equal(got.message, "success");
  assert.deepEqual(
    got.data.downloadUrls.map((vo) => [vo.fileName, vo.fileSize]),
    [["out.tif", 4]],
  );
});

test("errors carry the envelope code as the tRPC code's status", async () => {
  const expectCode = async (call: Promise<unknown>, code: TRPCError["code"], envelope: number) => {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof TRPCError);
      assert.equal(error.code, code);
      assert.ok(error.cause instanceof ApiError);
      assert.equal(error.cause.code, envelope);
      return true;
    });
  };
  await expectCode(caller("bob").analysisTask.getDownloadUrl({ taskId: "c1" }), "NOT_FOUND", 404);
  await expectCode(
    caller("alice").analysisTask.put({ taskId: "c2", ownerId: "alice", status: "PENDING", outputs: [] }),
    "FORBIDDEN",
    403,
  );
  const anonymous = appRouter.createCaller(createContext(services, { error: ApiError.unauthorized("missing token") }));
  await expectCode(anonymous.analysisTask.getDownloadUrl({ taskId: "c1" }), "UNAUTHORIZED", 401);
});
