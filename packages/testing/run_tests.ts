#!/usr/bin/env node
/**
 * The test runner of every package whose tests need PostgreSQL
 * (`taskdl-run-tests [node --test arguments]`): runs `node --test` against
 * the PostgreSQL in `DATABASE_URL` when it is set, and otherwise against an
 * embedded PostgreSQL started for the run in a temporary folder. Each test
 * file then creates its own database on that server.
 *
 * With `TASKDL_TEST_PGBOUNCER=transaction` (or `session`), the tests reach
 * that PostgreSQL through a real PgBouncer started for the run, in that pool
 * mode and otherwise on its defaults: `DATABASE_URL` is PgBouncer's, and
 * `TASKDL_TEST_DIRECT_DATABASE_URL` PostgreSQL's own (where the test
 * services listen for change notices, as an operator sets it up).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "@taskdl/server";
import { startPgBouncer } from "./start_pgbouncer.ts";

const args = process.argv.slice(2);
let databaseUrl = process.env.DATABASE_URL;
let stop = async () => {};
if (databaseUrl === undefined || databaseUrl === "") {
  const dir = mkdtempSync(join(tmpdir(), "taskdl-test-pg-"));
  // As root, PostgreSQL runs as the postgres user, which must reach the folder.
  chmodSync(dir, 0o755);
  const embedded = await startEmbeddedPostgres(join(dir, "pg"), { password: "taskdl-test", database: "postgres" });
  process.stdout.write(`# tests run against an embedded PostgreSQL on 127.0.0.1:${embedded.port}\n`);
  databaseUrl = embedded.url;
  stop = async () => {
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
  };
} else {
  process.stdout.write("# tests run against the PostgreSQL in DATABASE_URL\n");
}

const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: databaseUrl };
const poolMode = process.env.TASKDL_TEST_PGBOUNCER;
if (poolMode !== undefined && poolMode !== "") {
  if (poolMode !== "transaction" && poolMode !== "session") {
    throw new Error(`TASKDL_TEST_PGBOUNCER must be transaction or session (got ${JSON.stringify(poolMode)})`);
  }
  const bouncer = await startPgBouncer(databaseUrl, { poolMode });
  process.stdout.write(`# through PgBouncer (pool_mode = ${poolMode}) on 127.0.0.1:${bouncer.port}\n`);
  env.DATABASE_URL = bouncer.url(databaseUrl);
  env.TASKDL_TEST_DIRECT_DATABASE_URL = databaseUrl;
  const stopDatabase = stop;
  stop = async () => {
    await bouncer.close();
    await stopDatabase();
  };
}

const child = spawn(process.execPath, ["--test", ...args], { stdio: "inherit", env });
const code = await new Promise<number>((resolve) => child.on("exit", (exitCode) => resolve(exitCode ?? 1)));
await stop();
process.exit(code);
