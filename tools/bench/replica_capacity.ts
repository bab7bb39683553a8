/**
 * One replica's figures for capacity planning: the service (main.ts, as
 * `npm start` runs it) on the PostgreSQL of DATABASE_URL (a database of its
 * own, created and dropped) or an embedded one, with Redis rate limits on a
 * Redis of its own (Debian's redis-server, when installed: so the count of
 * commands is this replica's alone), metrics on; autocannon from a separate process reads the
 * download URLs of 1,000 finished tasks of 100 users. Prints req/s, p99,
 * resident memory, the database pool's connections in use (sampled from
 * /metrics during the run) and Redis commands per request.
 *
 *   npm run bench:replica                         # 10 s, 32 connections
 *   npm run bench:replica -- --seconds 2          # the CI smoke run
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type EmbeddedPostgresHandle, serviceArgs, startEmbeddedPostgres } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";
import jwt from "jsonwebtoken";
import pg from "pg";
import { freePort } from "./_free_port.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "10" }, connections: { type: "string", default: "32" } },
  strict: true,
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const AUTOCANNON = fileURLToPath(new URL("./_autocannon_worker.ts", import.meta.url));
const SECRET = "replica-capacity-secret-of-32-bytes-or-more";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REDIS_SERVER = "/usr/bin/redis-server";

const dir = mkdtempSync(join(tmpdir(), "taskdl-capacity-"));
chmodSync(dir, 0o755);
let embedded: EmbeddedPostgresHandle | undefined;
let drop: (() => Promise<void>) | undefined;
const service = { child: undefined as ReturnType<typeof spawn> | undefined };
let redis: ReturnType<typeof spawn> | undefined;
let redisUrl: string | undefined;
try {
  if (existsSync(REDIS_SERVER)) {
    const redisPort = await freePort();
    redis = spawn(
      REDIS_SERVER,
      ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    redisUrl = `redis://127.0.0.1:${redisPort}`;
    for (let tries = 0; ; tries++) {
      try {
        redisCommands(redisUrl);
        break;
      } catch (error) {
        if (tries > 50) throw error;
        await sleep(100);
      }
    }
  }
  let databaseUrl: string;
  if (process.env.DATABASE_URL) {
    const server = process.env.DATABASE_URL;
    const name = `taskdl_capacity_${randomBytes(4).toString("hex")}`;
    await admin(server, `CREATE DATABASE "${name}"`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    drop = () => admin(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } else {
    embedded = await startEmbeddedPostgres(join(dir, "pg"), { password: "capacity", port: await freePort() });
    databaseUrl = embedded.url;
  }
  const port = await freePort();
  const metricsPort = await freePort();
  service.child = spawn(process.execPath, serviceArgs(), {
    env: {
      ...process.env,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      JWT_SECRET: SECRET,
      URL_SIGNING_KEY: `${SECRET}-links`,
      SEED_DEMO: "false",
      LOG_LEVEL: "warn",
      ...(redisUrl === undefined
        ? { RATE_LIMIT_PER_USER: "0" }
        : { RATE_LIMIT_PER_USER: "1000000", REDIS_URL: redisUrl }),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  while ((await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200) await sleep(100);

  const sign = (sub: string, scope?: string) =>
    jwt.sign({ sub, ...(scope === undefined ? {} : { scope }) }, SECRET, { algorithm: "HS256", expiresIn: 3600 });
  const writer = sign("pipeline", "tasks:write");
  mkdirSync(join(dir, "files", "cap"), { recursive: true });
  writeFileSync(join(dir, "files", "cap", "out.bin"), "output");
  const targets: [string, string][] = [];
  for (let i = 0; i < 1000; i++) {
    const owner = `user-${i % 100}`;
    const res = await fetch(`${url}/analysis/task/cap-${i}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${writer}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        ownerId: owner,
        status: "SUCCEEDED",
        outputs: [{ fileName: "out.bin", storageKey: "cap/out.bin" }],
      }),
    });
    if (res.status !== 200) throw new Error(`seeding failed: ${res.status}`);
    targets.push([`${ROUTES.getDownloadUrl.path}?taskId=cap-${i}`, sign(owner)]);
  }
  // Warm: every task read once, so the run measures the steady state (a finished task is served from memory).
  for (const [path, token] of targets)
    await (await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${token}` } })).arrayBuffer();
  const redisCalls = () => (redisUrl === undefined ? 0 : redisCommands(redisUrl));
  const before = redisCalls();
  const job = join(dir, "job.json");
  writeFileSync(job, JSON.stringify({ url, seconds, connections, targets }));
  const load = spawn(process.execPath, [AUTOCANNON, job], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  load.stdout?.on("data", (chunk) => (out += chunk));
  const done = new Promise((resolve) => load.once("close", resolve)); // "close": stdout read to the end
  let poolUsedMax = 0;
  let poolUsedSum = 0;
  let scrapes = 0;
  let poolOpenMax = 0;
  let rss = 0;
  for (let running = true; running;) {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const gauge = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    const used = gauge(/^taskdl_db_pool_connections\{state="used"\} (\S+)$/m);
    const idle = gauge(/^taskdl_db_pool_connections\{state="idle"\} (\S+)$/m);
    poolUsedMax = Math.max(poolUsedMax, used);
    poolUsedSum += used;
    scrapes++;
    poolOpenMax = Math.max(poolOpenMax, used + idle);
    rss = Math.max(rss, gauge(/^process_resident_memory_bytes (\S+)$/m));
    running = await Promise.race([done.then(() => false), sleep(250).then(() => true)]);
  }
  const result = JSON.parse(out) as { rps: number; p99: number; errors: number; statuses: Record<string, number> };
  const answered = Object.values(result.statuses).reduce((sum, count) => sum + count, 0);
  const perRequest = redisUrl === undefined ? "-" : ((redisCalls() - before - 1) / answered).toFixed(2);
  console.log(
    `One replica — ${connections} connections, ${seconds} s, 1,000 finished tasks of 100 users, ` +
      `${embedded === undefined ? "DATABASE_URL's PostgreSQL" : "embedded PostgreSQL"}, ${redisUrl === undefined ? "no Redis" : "Redis rate limits"}`,
  );
  console.log(
    `req/s ${Math.round(result.rps)}  p99 ms ${result.p99}  answers ${JSON.stringify(result.statuses)}  errors ${result.errors}`,
  );
  console.log(
    `peak RSS MB ${Math.round(rss / 1e6)}  database connections in use ${(poolUsedSum / Math.max(1, scrapes)).toFixed(1)} on average, ${poolUsedMax} at most, ${poolOpenMax} open  ` +
      `Redis commands per request ${perRequest}`,
  );
} finally {
  service.child?.kill("SIGTERM");
  if (service.child !== undefined && service.child.exitCode === null)
    await new Promise((resolve) => service.child?.once("exit", resolve));
  redis?.kill();
  await drop?.();
  await embedded?.stop();
  rmSync(dir, { recursive: true, force: true });
}

// Commands Redis has run so far (INFO stats, through redis-cli; the INFO itself counts one).
function redisCommands(url: string): number {
  const info = execFileSync("redis-cli", ["-u", url, "INFO", "stats"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const count = /total_commands_processed:(\d+)/.exec(info)?.[1];
  if (count === undefined) throw new Error(`Cannot read Redis' INFO at ${url}`);
  return Number(count);
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
