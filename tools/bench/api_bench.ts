/**
 * The service against a hand-written floor (`floor_server.ts`), side by
 * side in one run: same PostgreSQL, same data, same pool size; load from a
 * separate process pinned to another core; rounds alternate service /
 * floor after a warm-up. Prints req/s, p50/p99 latency and peak RSS of each,
 * and the ratios service/floor.
 *
 *   npm run bench                          # scenarios 1, 2, 4: 10 s warm-up, 3 rounds × 10 s each, 32 connections
 *   npm run bench -- --large               # and scenario 3 (1,000,000 tasks; seeding takes a minute)
 *   npm run bench -- --seconds 1 --rounds 1 --connections 8   # the CI smoke run
 *   npm run bench -- --scenarios 1 --cpu-prof /tmp/prof      # scenario 1 only, the service under --cpu-prof
 *
 * Scenario 5 (URLs signed per second per adapter) is `npm run bench:sign`.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres, serviceArgs } from "@taskdl/testing";
import jwt from "jsonwebtoken";
import pg from "pg";
import { freePort } from "./_free_port.ts";
import { ROUTES } from "@taskdl/contract";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string" },
    connections: { type: "string", default: "32" },
    large: { type: "boolean", default: false },
    scenarios: { type: "string", default: "1,2,3,4" },
    "cpu-prof": { type: "string" },
  },
  strict: true,
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const warmup = values.warmup === undefined ? Math.min(10, seconds) : Number(values.warmup);
const scenarios = new Set(values.scenarios.split(",").map((n) => n.trim()));
if (
  !(seconds > 0 && rounds >= 1 && connections >= 1 && warmup >= 0) ||
  [...scenarios].some((n) => !/^[1-4]$/.test(n))
) {
  throw new Error(
    "usage: api_bench.ts [--seconds S>0] [--rounds N>=1] [--connections N>=1] [--warmup S] [--large] [--scenarios 1,2,3,4] [--cpu-prof DIR]",
  );
}
// The service's V8 profile (one .cpuprofile per run, written when it exits), for `--cpu-prof DIR`.
const profile = values["cpu-prof"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`];

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const FLOOR = here("./floor_server.ts");
const WORKER = here("./_autocannon_worker.ts");
const SECRET = "bench-jwt-secret-of-at-least-32-bytes!!";
const LINK_KEY = "bench-link-key-of-at-least-32-bytes!!!";
const USERS = 100;
const TASKS = 10_000;
const POOL = 10;
const twoCores = cpus().length >= 2;
const pin = (core: number, command: string[]) =>
  (twoCores ? ["taskset", ["-c", String(core), ...command]] : [command[0], command.slice(1)]) as [string, string[]];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Until it answers `path` with `status` (any status when unset): the service answers 503 while it migrates.
async function waitUntilUp(url: string, path: string, status?: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${url}${path}`).catch(() => undefined);
    await res?.arrayBuffer();
    if (res !== undefined && (status === undefined || res.status === status)) return;
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

function peakRssMb(child: ChildProcess): number {
  // The server is the child of taskset's exec, i.e. the same pid.
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
}

function load(url: string, targets: [string, string][], forSeconds: number): Promise<Run> {
  // Through a file: thousands of tokens do not fit in argv.
  const job = join(dir, "load-job.json");
  writeFileSync(job, JSON.stringify({ url, seconds: forSeconds, connections, targets }));
  const [command, args] = pin(1, [process.execPath, WORKER, job]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as Run) : reject(new Error(`load worker exited ${code}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const token = (sub: string) => jwt.sign({ sub }, SECRET, { algorithm: "HS256", expiresIn: 24 * 3600 });
const tokens = Array.from({ length: USERS }, (_, i) => token(`u${i}`));
const REST = ROUTES.getDownloadUrl.path;

const dir = mkdtempSync(join(tmpdir(), "taskdl-bench-"));
chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
let database: EmbeddedPostgresHandle | undefined;
const children: ChildProcess[] = [];
try {
  database = await startEmbeddedPostgres(join(dir, "pg"), { password: "bench", database: "bench" });
  const databaseUrl = database.url;
  const [servicePort, floorPort] = [await freePort(), await freePort()];
  const [serviceCommand, serviceCommandArgs] = pin(0, [process.execPath, ...profile, ...serviceArgs()]);
  const service = spawn(serviceCommand, serviceCommandArgs, {
    env: {
      ...process.env,
      PORT: String(servicePort),
      DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_MAX: String(POOL),
      JWT_SECRET: SECRET,
      URL_SIGNING_KEY: LINK_KEY,
      SEED_DEMO: "false",
      // On and never reached, so its cost is in the figures.
      RATE_LIMIT_PER_USER: "1000000",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", process.env.BENCH_DEBUG ? "inherit" : "ignore", "inherit"],
  });
  children.push(service);
  const serviceUrl = `http://127.0.0.1:${servicePort}`;
  await waitUntilUp(serviceUrl, "/readyz", 200); // migrations have run once it is ready

  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {}); // the database stops under it at the end
  await client.connect();
  const seed = async (from: number, to: number) => {
    await client.query(
      `INSERT INTO "analysis_task" (id, owner_id, status, created_at, updated_at)
       SELECT 't' || i, 'u' || (i % ${USERS}), 'SUCCEEDED', now(), now() FROM generate_series($1::int, $2::int) i`,
      [from, to],
    );
    await client.query(
      `INSERT INTO "task_output" (task_id, position, file_name, storage_key, size, content_type, created_at)
       SELECT 't' || i, p, CASE p WHEN 0 THEN 'ndvi_result.tif' ELSE 'analysis_report.pdf' END,
              'runs/' || i || '/' || p, 1000 + i, CASE p WHEN 0 THEN 'image/tiff' ELSE 'application/pdf' END, now()
       FROM generate_series($1::int, $2::int) i, generate_series(0, 1) p`,
      [from, to],
    );
  };
  await seed(0, TASKS - 1);
  await client.query(
    `INSERT INTO "analysis_task" VALUES ('big', 'u0', 'SUCCEEDED', now(), now());
     INSERT INTO "task_output" (task_id, position, file_name, storage_key, size, content_type, created_at)
     SELECT 'big', p, 'tile_' || p || '.tif', 'runs/big/tile_' || p || '.tif', 4096, 'image/tiff', now() FROM generate_series(0, 999) p`,
  );
  await client.query("ANALYZE");

  const [floorCommand, floorArgs] = pin(0, [process.execPath, FLOOR]);
  const floor = spawn(floorCommand, floorArgs, {
    env: {
      ...process.env,
      PORT: String(floorPort),
      DATABASE_URL: databaseUrl,
      JWT_SECRET: SECRET,
      URL_SIGNING_KEY: LINK_KEY,
      POOL_MAX: String(POOL),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(floor);
  const floorUrl = `http://127.0.0.1:${floorPort}`;
  await waitUntilUp(floorUrl, REST);

  // Scenario 1's mix: random tasks of random users, one in ten unknown (404).
  const mixed = (taskCount: number): [string, string][] =>
    Array.from({ length: 5000 }, () => {
      const i = Math.floor(Math.random() * taskCount);
      const missing = Math.random() < 0.1;
      return [`${REST}?taskId=${missing ? `x${i}` : `t${i}`}`, tokens[i % USERS] as string];
    });
  const trpcPath = (path: string) =>
    `/trpc/analysisTask.getDownloadUrl?input=${encodeURIComponent(JSON.stringify({ taskId: new URL(path, "http://x").searchParams.get("taskId") }))}`;

  const rows: string[][] = [];
  const compare = async (
    name: string,
    a: { label: string; url: string; targets: [string, string][] },
    b: { label: string; url: string; targets: [string, string][] },
  ) => {
    // Long enough to ask for every target more than once: both sides measured warm, caches and JIT alike.
    if (warmup > 0) for (const side of [a, b]) await load(side.url, side.targets, warmup);
    const runs: Record<string, Run[]> = { [a.label]: [], [b.label]: [] };
    for (let round = 0; round < rounds; round++) {
      for (const side of [a, b]) {
        const run = await load(side.url, side.targets, seconds);
        runs[side.label]?.push(run);
        console.error(
          `  ${name} · round ${round + 1} · ${side.label}: ${Math.round(run.rps)} req/s, p99 ${run.p99} ms`,
        );
      }
    }
    const summary = (label: string) => {
      const list = runs[label] ?? [];
      const statuses: Record<string, number> = {};
      for (const run of list)
        for (const [code, count] of Object.entries(run.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
      return {
        rps: median(list.map((r) => r.rps)),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        errors: list.reduce((n, r) => n + r.errors, 0),
        statuses,
      };
    };
    const [sa, sb] = [summary(a.label), summary(b.label)];
    for (const [label, s, url] of [
      [a.label, sa, a.url],
      [b.label, sb, b.url],
    ] as const) {
      const child = url === serviceUrl ? service : floor;
      rows.push([
        name,
        label,
        Math.round(s.rps).toLocaleString("en"),
        s.p50.toFixed(1),
        s.p99.toFixed(1),
        String(peakRssMb(child)),
        Object.entries(s.statuses)
          .map(([c, n]) => `${c}:${n}`)
          .join(" ") + (s.errors > 0 ? ` errors:${s.errors}` : ""),
      ]);
    }
    rows.push([
      name,
      `ratio ${a.label}/${b.label}`,
      `${(sa.rps / sb.rps).toFixed(2)}x`,
      (sa.p50 / sb.p50).toFixed(2),
      (sa.p99 / sb.p99).toFixed(2),
      "",
      "",
    ]);
  };

  const mix = mixed(TASKS);
  if (scenarios.has("1"))
    await compare(
      "1 many users, 10k tasks",
      { label: "service", url: serviceUrl, targets: mix },
      { label: "floor", url: floorUrl, targets: mix },
    );
  const big: [string, string][] = [[`${REST}?taskId=big`, tokens[0] as string]];
  if (scenarios.has("2"))
    await compare(
      "2 one task, 1,000 outputs",
      { label: "service", url: serviceUrl, targets: big },
      { label: "floor", url: floorUrl, targets: big },
    );
  if (scenarios.has("4"))
    await compare(
      "4 tRPC vs REST (service)",
      { label: "tRPC", url: serviceUrl, targets: mix.map(([path, t]) => [trpcPath(path), t]) },
      { label: "REST", url: serviceUrl, targets: mix },
    );
  if (values.large && scenarios.has("3")) {
    await seed(TASKS, 1_000_000 - 1);
    await client.query("ANALYZE");
    const millions = mixed(1_000_000);
    await compare(
      "3 1,000,000 tasks",
      { label: "service", url: serviceUrl, targets: millions },
      { label: "floor", url: floorUrl, targets: millions },
    );
    // The same service and mix in alternating rounds, so the machine's drift cancels: is the cost per request flat?
    await compare(
      "3 1M vs 10k tasks (service)",
      { label: "1M tasks", url: serviceUrl, targets: millions },
      { label: "10k tasks", url: serviceUrl, targets: mix },
    );
  }
  await client.end();

  const header = ["scenario", "server", "req/s", "p50 ms", "p99 ms", "peak RSS MB", "answers"];
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i < 2 || i === 6 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  const cpu = cpus();
  console.log(
    `Service vs floor — ${warmup} s warm-up each, then ${rounds} alternating round(s) × ${seconds} s, ${connections} connections, pool ${POOL}`,
  );
  console.log(
    `machine: ${cpu[0]?.model ?? "unknown CPU"} (${cpu.length} cores), Node ${process.version}; servers on core 0, load on core ${twoCores ? 1 : "0 (one core only)"}; PostgreSQL unpinned`,
  );
  console.log("peak RSS is the process's high-water mark so far in the run\n");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
} finally {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(
    children.map((child) =>
      child.exitCode === null ? new Promise((resolve) => child.once("exit", resolve)) : undefined,
    ),
  );
  await database?.stop();
  rmSync(dir, { recursive: true, force: true });
}
