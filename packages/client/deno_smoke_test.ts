import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { startTestServer, type TestServer } from "@taskdl/testing";

const DENO = createRequire(import.meta.url).resolve("deno/bin.cjs");
let server: TestServer;

before(async () => {
  server = await startTestServer();
  const task = {
    taskId: "deno-1",
    ownerId: "dina",
    status: "SUCCEEDED" as const,
    outputs: [
      { fileName: "a.tif", storageKey: "deno/a.tif" },
      { fileName: "b.pdf", storageKey: "deno/b.pdf" },
    ],
  };
  assert.equal((await server.putTask(task)).status, 200);
});
after(() => server.close());

test("both clients run unchanged under Deno against a live server", { timeout: 120_000 }, async () => {
  const script = new URL("./testing/deno_smoke.ts", import.meta.url).pathname;
  // Asynchronously: the server under test answers from this same process.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [DENO, "run", "--allow-net=127.0.0.1", script, server.url, server.token("dina"), "deno-1"],
    { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" }, timeout: 100_000 },
  );
  const report = JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
  assert.match(report.runtime, /^deno 2\./);
  for (const kind of ["rest", "trpc"]) {
    assert.deepEqual(
      report[kind],
      {
        totalSize: Buffer.byteLength("content of a.tif") + Buffer.byteLength("content of b.pdf"),
        files: ["a.tif", "b.pdf"],
        bytes: [Buffer.byteLength("content of a.tif"), Buffer.byteLength("content of b.pdf")],
        missing: [404, "Task not found"],
      },
      kind,
    );
  }
});
