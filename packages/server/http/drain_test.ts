import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import { createApp } from "./create_app.ts";

// The drain of a shutdown, in process (shutdown_test.ts does it to main.ts
// with a signal): what is in flight finishes, then the server closes at once.

const SIZE = 8 * 1024 * 1024;
let server: TestServer;

before(async () => {
  server = await startTestServer({ SHUTDOWN_TIMEOUT_MS: "10000" });
  await server.putObject("drain/big.bin", Buffer.alloc(SIZE, 7));
});
after(() => server?.close());

test("a download in flight finishes in full, then close() returns without waiting for the deadline", async () => {
  assert.ok(server.running.signer instanceof LocalUrlSigner);
  const link = server.running.signer.sign("drain/big.bin", {
    fileName: "big.bin",
    expiresAt: new Date(Date.now() + 60_000),
  });
  const download = await fetch(link);
  const reader = download.body?.getReader();
  assert.ok(reader !== undefined);
  let received = (await reader.read()).value?.length ?? 0;
  const started = performance.now();
  const closing = server.running.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await assert.rejects(fetch(`${server.url}/healthz`), "no new connections while draining");
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += chunk.value.length;
  assert.equal(received, SIZE);
  await closing;
  const took = performance.now() - started;
  assert.ok(took < 3000, `closed ${Math.round(took)} ms after the shutdown began (deadline 10 s)`);
});

test("/readyz says 'shutting down' with 503 once a shutdown has begun", async () => {
  const app = createApp(
    {
      tasks: new PgTaskRepository(server.running.orm),
      signer: server.running.signer,
      ttl: { defaultTtl: 60, maxTtl: 600 },
      status: { databaseReady: true, stopping: true },
    },
    { jwt: server.config.jwt, logger: pino({ level: "silent" }) },
  );
  const http = createServer(app.callback());
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/readyz`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: "unavailable", reason: "shutting down" });
  } finally {
    http.closeAllConnections();
    http.close();
  }
});
