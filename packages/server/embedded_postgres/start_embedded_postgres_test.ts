import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { startEmbeddedPostgres } from "./start_embedded_postgres.ts";

const parent = mkdtempSync(join(tmpdir(), "taskdl-embedded-"));
chmodSync(parent, 0o755);
const dir = join(parent, "pg");
after(() => rmSync(parent, { recursive: true, force: true }));

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

test("keeps data between runs and starts again after a crash", { timeout: 120_000 }, async () => {
  const first = await startEmbeddedPostgres(dir, { password: "pw-1" });
  await query(first.url, "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('survives')");
  await assert.rejects(startEmbeddedPostgres(dir, { password: "pw-1" }), /already running/);

  // Kill the postmaster the hard way: its postmaster.pid stays behind.
  const pid = Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
      await sleep(50);
    } catch {
      break;
    }
  }
  assert.ok(existsSync(join(dir, "postmaster.pid")), "a crash leaves the pid file");

  const second = await startEmbeddedPostgres(dir, { password: "pw-1" });
  try {
    assert.notEqual(second.url, "");
    assert.deepEqual(await query(second.url, "SELECT value FROM kept"), [{ value: "survives" }]);
    assert.deepEqual(await query(second.url, "SHOW listen_addresses"), [{ listen_addresses: "127.0.0.1" }]);
  } finally {
    await second.stop();
  }
  assert.ok(!existsSync(join(dir, "postmaster.pid")), "a clean stop removes the pid file");
});
