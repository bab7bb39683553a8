/**
 * Behind a load balancer: three replicas of the service (main.ts, as
 * `npm start` runs it) on loopback, sharing one PostgreSQL through a real
 * PgBouncer in transaction mode (change notices straight to PostgreSQL), and
 * Redis when `REDIS_URL` is set, behind HAProxy running deploy/haproxy.cfg
 * (its bind and server lines pointed at loopback ports). Load comes from a
 * separate process; three events follow in turn: a rolling restart (SIGTERM
 * each replica, start it again, wait until HAProxy has it back), a replica
 * killed with SIGKILL (then started again), and PostgreSQL's backends
 * terminated. Prints, per event: requests, answers by status, client errors
 * (no answer), p99, and how long until every replica was ready again.
 *
 *   npm run bench:cluster                        # 5 s of load around each event, 16 readers, 2 writers
 *   npm run bench:cluster -- --seconds 1         # the CI smoke run
 *
 * PostgreSQL is the one in DATABASE_URL (a database of its own is created and
 * dropped), or an embedded one the script starts. Exits 1 when the rolling
 * restart failed a request, a replica answered 500, or a replica died.
 *
 * @module
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type EmbeddedPostgresHandle, serviceArgs, startEmbeddedPostgres, startPgBouncer } from "@taskdl/testing";
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
  throw new Error("usage: cluster_load.ts [--seconds S>0] [--readers N>=1] [--writers N>=0]");
}

const HAPROXY = "/usr/sbin/haproxy";
const HAPROXY_CONFIG = fileURLToPath(new URL("../../deploy/haproxy.cfg", import.meta.url));
const WORKER = fileURLToPath(new URL("./_load_worker.ts", import.meta.url));
const SECRET = "cluster-load-secret-of-at-least-32-bytes!";
const REPLICAS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), "taskdl-cluster-"));
chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
const files = join(dir, "files");

/** A replica: its port, its process (replaced on restart). */
interface Replica {
  name: string;
  port: number;
  child: ChildProcess | undefined;
  dataDir: string;
}

let embedded: EmbeddedPostgresHandle | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
let bouncer: Awaited<ReturnType<typeof startPgBouncer>> | undefined;
let haproxy: ChildProcess | undefined;
let worker: ChildProcess | undefined;
const replicas: Replica[] = [];
const faults = new Map<string, number>();
let died = 0;

try {
  // One PostgreSQL: DATABASE_URL's (a database of our own on it), or an embedded one.
  let databaseUrl: string;
  if (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== "") {
    const server = process.env.DATABASE_URL;
    const name = `taskdl_cluster_${randomBytes(4).toString("hex")}`;
    await admin(server, `CREATE DATABASE "${name}"`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = () => admin(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } else {
    const password = "cluster-load";
    embedded = await startEmbeddedPostgres(join(dir, "pg"), { password, port: await freePort(), database: "load" });
    databaseUrl = embedded.url;
  }
  bouncer = await startPgBouncer(databaseUrl, { poolMode: "transaction" });
  const pooledUrl = bouncer.url(databaseUrl);

  const env = (replica: Replica) => ({
    ...process.env,
    PORT: String(replica.port),
    DATA_DIR: replica.dataDir,
    DATABASE_URL: pooledUrl,
    DATABASE_LISTEN_URL: databaseUrl,
    STORAGE_LOCAL_DIR: files,
    JWT_SECRET: SECRET,
    URL_SIGNING_KEY: `${SECRET}-links`,
    SEED_DEMO: "false",
    LOG_LEVEL: "warn",
    DATABASE_POOL_MAX: "4",
    DATABASE_CONNECT_TIMEOUT_MS: "1000",
    DATABASE_STATEMENT_TIMEOUT_MS: "2000",
    // Shared limits when Redis is there, high enough never to refuse the load itself.
    ...(process.env.REDIS_URL ? { RATE_LIMIT_PER_USER: "1000000" } : { RATE_LIMIT_PER_USER: "0" }),
  });
  const start = (replica: Replica) => {
    const child = spawn(process.execPath, serviceArgs(), { env: env(replica), stdio: ["ignore", "pipe", "inherit"] });
    let rest = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      const lines = (rest + String(chunk)).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as { level?: string; msg?: string; err?: { message?: string } };
        if (entry.level !== "error" && entry.level !== "fatal") continue;
        const what = `${entry.msg ?? ""}: ${entry.err?.message?.split("\n")[0]?.slice(0, 160) ?? ""}`;
        faults.set(what, (faults.get(what) ?? 0) + 1);
      }
    });
    child.once("exit", (code, signal) => {
      if (replica.child === child && signal !== "SIGKILL" && code !== 0) died++;
    });
    replica.child = child;
  };
  const ready = async (replica: Replica) => {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${replica.port}/readyz`).catch(() => undefined);
      if (res?.status === 200) return;
      await sleep(50);
    }
  };
  const stop = async (replica: Replica, signal: NodeJS.Signals) => {
    const child = replica.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  };
  for (let i = 1; i <= REPLICAS; i++) {
    const replica: Replica = {
      name: `replica${i}`,
      port: await freePort(),
      child: undefined,
      dataDir: join(dir, `r${i}`),
    };
    mkdirSync(replica.dataDir);
    replicas.push(replica);
    start(replica);
    // The first one alone: replicas migrating a fresh database at once collide (see docs/deploy.md).
    if (i === 1) await ready(replica);
  }
  await Promise.all(replicas.map(ready));

  // HAProxy with the shipped configuration, pointed at loopback.
  const lbPort = await freePort();
  const shipped = readFileSync(HAPROXY_CONFIG, "utf8");
  const config = shipped
    .replace(/^(\s*)bind \S+$/m, `$1bind 127.0.0.1:${lbPort}`)
    .replace(/^\s*server .*\n/gm, "")
    .replace(
      /^(backend taskdl\n(?:.+\n)*)/m,
      (backend) =>
        backend + replicas.map((replica) => `    server ${replica.name} 127.0.0.1:${replica.port} check\n`).join(""),
    );
  const configPath = join(dir, "haproxy.cfg");
  writeFileSync(configPath, config);
  haproxy = spawn(HAPROXY, ["-db", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
  let haproxyLog = "";
  haproxy.stderr?.on("data", (chunk) => (haproxyLog += chunk));
  const url = `http://127.0.0.1:${lbPort}`;
  for (let tries = 0; (await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200; tries++) {
    if (tries > 100 || haproxy.exitCode !== null) throw new Error(`HAProxy did not start:\n${haproxyLog}`);
    await sleep(100);
  }
  // Every server UP (rise 2 × inter 500 ms) before the load starts.
  await sleep(1500);

  const sign = (sub: string, scope?: string) =>
    jwt.sign({ sub, ...(scope === undefined ? {} : { scope }) }, SECRET, { algorithm: "HS256", expiresIn: 3600 });
  const writeToken = sign("load-pipeline", "tasks:write");
  mkdirSync(join(files, "load"), { recursive: true });
  for (const i of [0, 1, 2]) writeFileSync(join(files, "load", `${i}.bin`), `output ${i}`);
  const seed = await fetch(`${url}/analysis/task/load-seed`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${writeToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      ownerId: "load",
      status: "SUCCEEDED",
      outputs: [{ fileName: "0.bin", storageKey: "load/0.bin" }],
    }),
  });
  if (seed.status !== 200) throw new Error(`seeding failed: ${seed.status} ${await seed.text()}`);

  worker = fork(WORKER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const results = new Promise<{ samples: Sample[]; origin: number }>((resolve) =>
    worker?.once("message", (message) => resolve(message as { samples: Sample[]; origin: number })),
  );
  worker.send({ type: "start", setup: { url, readToken: sign("load"), writeToken, readers, writers } });
  const readyAgain = new Map<string, number>();
  const steps: string[] = [];
  const event = async (name: string, run: () => Promise<void>) => {
    worker?.send({ type: "phase", phase: name });
    const started = performance.now();
    await run();
    await Promise.all(replicas.map(ready));
    readyAgain.set(name, performance.now() - started);
    await sleep(seconds * 1000); // the same event's tail: the cluster under load after it
  };
  // Time for HAProxy to mark a restarted replica UP again (rise 2 × inter 500 ms, and a margin).
  const backInRotation = () => sleep(1500);
  // Time for HAProxy to mark a stopped replica DOWN (up to inter 500 ms, then fall 2 × fastinter 250 ms): a
  // replacement at the same address sooner than that answers "503 starting" to requests HAProxy still sends there,
  // as an orchestrator that starts it at once would see (docs/deploy.md). A rolling restart waits it out.
  const outOfRotation = () => sleep(1000);

  await sleep(Math.min(1000, seconds * 200));
  await event("baseline", async () => {});
  await event("rolling restart", async () => {
    for (const replica of replicas) {
      const t0 = performance.now();
      await stop(replica, "SIGTERM");
      const t1 = performance.now();
      await outOfRotation();
      start(replica);
      await ready(replica);
      steps.push(
        `${replica.name}: drained in ${Math.round(t1 - t0)} ms, ready in ${Math.round(performance.now() - t1)} ms (1 s out of rotation included)`,
      );
      await backInRotation();
    }
  });
  await event("replica killed (SIGKILL)", async () => {
    const victim = replicas[1] as Replica;
    await stop(victim, "SIGKILL");
    await sleep(seconds * 1000); // the cluster runs one short for a while
    start(victim);
    await ready(victim);
    await backInRotation();
  });
  await event("PostgreSQL backends terminated", async () => {
    await admin(
      databaseUrl,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()",
    );
  });
  worker.send({ type: "stop" });
  const { samples } = await results;

  const names = ["baseline", "rolling restart", "replica killed (SIGKILL)", "PostgreSQL backends terminated"];
  const statuses = [...new Set(samples.map((sample) => sample.status))].sort((a, b) =>
    String(a).localeCompare(String(b)),
  );
  const header = ["event", "requests", ...statuses.map(String), "p99 ms", "ready again ms"];
  const rows = names.map((name) => {
    const inEvent = samples.filter((sample) => sample.phase === name);
    const sorted = inEvent.map((sample) => sample.ms).sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
    return [
      name,
      String(inEvent.length),
      ...statuses.map((status) => String(inEvent.filter((sample) => sample.status === status).length)),
      p99 === undefined ? "-" : Math.round(p99).toString(),
      name === "baseline" ? "-" : Math.round(readyAgain.get(name) ?? 0).toString(),
    ];
  });
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  console.log(
    `Behind a load balancer — ${REPLICAS} replicas behind HAProxy (deploy/haproxy.cfg), PgBouncer (transaction), ` +
      `${process.env.REDIS_URL ? "Redis rate limits" : "no Redis"}, ${embedded === undefined ? "DATABASE_URL's PostgreSQL" : "embedded PostgreSQL"}; ` +
      `${readers} readers, ${writers} writers, ${seconds} s after each event`,
  );
  console.log(
    "status columns: answers by HTTP status; error = client error (no answer); ready again = from the event's start until every replica's /readyz is 200\n",
  );
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const failed = (name: string) =>
    samples.filter((sample) => sample.phase === name && (sample.status === "error" || sample.status >= 500)).length;
  const fives = samples.filter((sample) => sample.status === 500).length;
  console.log(
    `\nrolling restart: ${failed("rolling restart")} failed requests (goal 0); SIGKILL: ${failed("replica killed (SIGKILL)")} failed ` +
      `(goal: at most those in flight on the killed replica); 500 answers: ${fives}; replicas died: ${died}`,
  );
  console.log(`rolling restart, per replica: ${steps.join("; ")}`);
  const answers = new Map<string, number>();
  for (const sample of samples) {
    if (sample.detail === undefined) continue;
    const what = `${sample.phase}: ${sample.status} ${sample.detail}`;
    answers.set(what, (answers.get(what) ?? 0) + 1);
  }
  if (answers.size > 0) {
    console.log("\n5xx answers, by event and body:");
    for (const [what, count] of answers) console.log(`  ${count} × ${what}`);
  }
  if (faults.size > 0) {
    console.log("\nthe replicas logged (errors, by message):");
    for (const [what, count] of faults) console.log(`  ${count} × ${what}`);
  }
  if (failed("rolling restart") > 0 || fives > 0 || died > 0) process.exitCode = 1;
} finally {
  worker?.kill();
  haproxy?.kill("SIGTERM");
  await Promise.all(
    replicas.map(async (replica) => {
      const child = replica.child;
      if (child === undefined || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }),
  );
  await bouncer?.close();
  await dropDatabase?.();
  await embedded?.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
