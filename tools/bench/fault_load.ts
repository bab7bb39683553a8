/**
 * Load under faults: the service (main.ts, as `npm start` runs it) on a
 * PostgreSQL this script controls, load from a separate process on
 * loopback, and one fault injected per phase. Prints, per phase: requests
 * sent, answers by status, transport errors, the slowest answer, how long
 * the service took to answer successfully again after the fault ended, and
 * at the end how many acknowledged writes were lost (must be 0).
 *
 *   npm run bench:faults                                  # 5 s per phase, 16 readers, 2 writers
 *   npm run bench:faults -- --seconds 1 --readers 4       # the CI smoke run
 *
 * @module
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle, serviceArgs } from "@taskdl/testing";
import jwt from "jsonwebtoken";
import pg from "pg";
import { freePort } from "./_free_port.ts";
import type { Sample } from "./_load_worker.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    readers: { type: "string", default: "16" },
    writers: { type: "string", default: "2" },
  },
  strict: true,
});
const seconds = Number(values.seconds);
const readers = Number(values.readers);
const writers = Number(values.writers);
if (!(seconds > 0 && readers >= 1 && writers >= 0)) {
  throw new Error("usage: fault_load.ts [--seconds S>0] [--readers N>=1] [--writers N>=0]");
}

const WORKER = fileURLToPath(new URL("./_load_worker.ts", import.meta.url));
const SECRET = "fault-load-secret-of-at-least-32-bytes!";
const PASSWORD = "fault-load";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), "taskdl-fault-load-"));
chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
const pgPort = await freePort();
let database: EmbeddedPostgresHandle | undefined;
const startDatabase = async () => {
  database = await startEmbeddedPostgres(join(dir, "pg"), { password: PASSWORD, port: pgPort, database: "load" });
};
const stopDatabase = async () => {
  await database?.stop();
  database = undefined;
};
const databaseUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${pgPort}/load`;
const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

let service: ChildProcess | undefined;
// The service's error lines, by message: what a 500 was, if there was one.
const faults = new Map<string, number>();
let worker: ChildProcess | undefined;
try {
  await startDatabase();
  const servicePort = await freePort();
  service = spawn(process.execPath, serviceArgs(), {
    env: {
      ...process.env,
      PORT: String(servicePort),
      DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      JWT_SECRET: SECRET,
      URL_SIGNING_KEY: `${SECRET}-links`,
      SEED_DEMO: "false",
      RATE_LIMIT_PER_USER: "0",
      LOG_LEVEL: "warn",
      DATABASE_POOL_MAX: "4",
      DATABASE_CONNECT_TIMEOUT_MS: "500",
      DATABASE_STATEMENT_TIMEOUT_MS: "1000",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // Whole lines: a chunk of a pipe may end in the middle of one.
  createInterface({ input: service.stdout as Readable }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    const what = `${entry.msg ?? ""}: ${entry.err?.message?.split("\n")[0]?.slice(0, 160) ?? ""}`;
    faults.set(what, (faults.get(what) ?? 0) + 1);
  });
  const url = `http://127.0.0.1:${servicePort}`;
  for (let ready = false; !ready; await sleep(100))
    ready = (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;

  const sign = (sub: string, scope?: string) =>
    jwt.sign({ sub, ...(scope === undefined ? {} : { scope }) }, SECRET, { algorithm: "HS256", expiresIn: 3600 });
  const writeToken = sign("load-pipeline", "tasks:write");
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(join(dir, "files", "load"), { recursive: true });
  for (const i of [0, 1, 2]) writeFileSync(join(dir, "files", "load", `${i}.bin`), `output ${i}`);
  const seed = await fetch(`${url}/analysis/task/load-seed`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${writeToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      ownerId: "load",
      status: "SUCCEEDED",
      outputs: [{ fileName: "0.bin", storageKey: "load/0.bin" }],
    }),
  });
  if (seed.status !== 200) throw new Error(`seeding failed: ${seed.status}`);

  worker = fork(WORKER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const results = new Promise<{ samples: Sample[]; acknowledged: string[]; origin: number }>((resolve) =>
    worker?.once("message", (message) =>
      resolve(message as { samples: Sample[]; acknowledged: string[]; origin: number }),
    ),
  );
  worker.send({ type: "start", setup: { url, readToken: sign("load"), writeToken, readers, writers } });
  const faultEnds = new Map<string, number>();
  const phase = async (name: string, fault: () => Promise<void>) => {
    worker?.send({ type: "phase", phase: name });
    await fault();
    faultEnds.set(name, performance.timeOrigin + performance.now());
    await sleep(seconds * 1000); // recovery window, same phase
  };

  await sleep(Math.min(1000, seconds * 200));
  await phase("baseline", async () => {});
  await phase("postgres killed", async () => {
    await stopDatabase();
    await sleep(seconds * 1000);
    await startDatabase();
  });
  await phase("backends terminated", async () => {
    await admin((client) =>
      client.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'load' AND pid <> pg_backend_pid()",
      ),
    );
  });
  await phase("hung queries, pool exhausted", async () => {
    await admin(async (client) => {
      await client.query("BEGIN");
      await client.query('LOCK TABLE "analysis_task" IN ACCESS EXCLUSIVE MODE');
      await sleep(seconds * 1000);
      await client.query("ROLLBACK");
    });
  });
  worker.send({ type: "stop" });
  const { samples, acknowledged, origin } = await results;

  const lost = await admin(async (client) => {
    const { rows } = await client.query<{ id: string; outputs: string }>(
      'SELECT t.id, count(o.*) AS outputs FROM "analysis_task" t JOIN "task_output" o ON o.task_id = t.id WHERE t.id = ANY($1) GROUP BY t.id',
      [acknowledged],
    );
    const whole = new Set(rows.filter((row) => Number(row.outputs) === 3).map((row) => row.id));
    return acknowledged.filter((id) => !whole.has(id)).length;
  });

  const names = ["baseline", "postgres killed", "backends terminated", "hung queries, pool exhausted"];
  const statuses = [...new Set(samples.map((sample) => sample.status))].sort((a, b) =>
    String(a).localeCompare(String(b)),
  );
  const header = ["phase", "sent", ...statuses.map(String), "max ms", "recover ms"];
  const rows = names.map((name) => {
    const inPhase = samples.filter((sample) => sample.phase === name);
    const end = faultEnds.get(name) ?? 0;
    const firstOk = inPhase
      .filter((sample) => origin + sample.startedAt >= end && (sample.status === 200 || sample.status === 404))
      .map((sample) => origin + sample.startedAt + sample.ms)
      .sort((a, b) => a - b)[0];
    return [
      name,
      String(inPhase.length),
      ...statuses.map((status) => String(inPhase.filter((sample) => sample.status === status).length)),
      inPhase.length === 0 ? "-" : Math.round(Math.max(...inPhase.map((sample) => sample.ms))).toString(),
      name === "baseline" ? "-" : firstOk === undefined ? "never" : Math.max(0, Math.round(firstOk - end)).toString(),
    ];
  });
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  console.log(
    `Load under faults — ${readers} readers, ${writers} writers, ${seconds} s per fault and per recovery window`,
  );
  console.log("status columns: answers by HTTP status; error = transport error (no answer)\n");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const fives = samples.filter((sample) => sample.status === 500).length;
  console.log(
    `\nacknowledged writes: ${acknowledged.length}, lost: ${lost}; 500 answers: ${fives}; service alive: ${service.exitCode === null}`,
  );
  if (faults.size > 0) {
    console.log("\nthe service logged (errors, by message):");
    for (const [what, count] of faults) console.log(`  ${count} × ${what}`);
  }
  if (lost > 0 || fives > 0 || service.exitCode !== null) process.exitCode = 1;
} finally {
  worker?.kill();
  service?.kill("SIGTERM");
  if (service !== undefined && service.exitCode === null)
    await new Promise((resolve) => service?.once("exit", resolve));
  await stopDatabase();
  rmSync(dir, { recursive: true, force: true });
}
