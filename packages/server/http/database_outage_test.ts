import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

let server: TestServer;
let admin: pg.Client;
let database: string;

before(async () => {
  server = await startTestServer({ TASK_CACHE_CAPACITY: "0" }); // every request must reach the database
  database = new URL(server.config.databaseUrl as string).pathname.slice(1);
  admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const put = await server.putTask({ taskId: "o1", ownerId: "alice", status: "SUCCEEDED", outputs: [] });
  assert.equal(put.status, 200);
});

after(async () => {
  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`).catch(() => {});
  await admin.end();
  await server.close();
});

test("while the database refuses connections: 503 envelopes, /readyz 503, /healthz 200; then recovery without a restart", async () => {
  const token = server.token("alice");
  const ask = () => server.get(`${ROUTES.getDownloadUrl.path}?taskId=o1`, token);
  assert.equal((await server.get("/readyz")).status, 200);

  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [database]);
  for (let i = 0; i < 3; i++) {
    const res = await ask();
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.deepEqual(await res.json(), { code: 503, message: "Service unavailable", data: null });
  }
  const ready = await server.get("/readyz");
  assert.equal(ready.status, 503);
  assert.deepEqual(await ready.json(), { status: "unavailable", reason: "database unreachable" });
  assert.equal((await server.get("/healthz")).status, 200);

  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
  assert.equal((await ask()).status, 200);
  assert.equal((await server.get("/readyz")).status, 200);

  const logged = JSON.stringify(server.logLines);
  assert.match(logged, /not currently accepting connections/, "the cause is logged");
  assert.ok(!logged.includes(token), "the token is not");
  assert.ok(!logged.includes("test-jwt-secret"), "nor the secret");
});
