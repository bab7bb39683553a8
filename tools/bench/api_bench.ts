/**
 * The service against hand-written floors (`floor_server.ts`), side by side
 * in one run: same PostgreSQL, same data, same pool size; servers on core 0,
 * the load (autocannon, curl) and PostgreSQL on core 1; after a warm-up the
 * sides take turns round by round. Prints req/s, p50/p99 latency, the
 * server's CPU time per answer and peak RSS of each side, the ratios, and
 * the performance targets met or missed.
 *
 *   npm run bench                          # scenarios 1, 2, 4, 5, 6: 8 s warm-up, 3 rounds × 8 s each, 32 connections
 *   npm run bench -- --large               # and scenario 3 (1,000,000 tasks; seeding takes a minute)
 *   npm run bench -- --seconds 1 --rounds 1 --connections 8 --download-mb 64   # the CI smoke run
 *   npm run bench -- --scenarios 1 --cpu-prof /tmp/prof      # scenario 1 only, the services and floors under --cpu-prof
 *   npm run bench -- --scenarios 1,4,5 --before ../older     # and another checkout's service as a side of its own
 *
 * The scenarios: 1 cached answers (the service against the `pg` floor and
 * the in-memory floor); 2 one task of 1,000 outputs; 3 a million tasks; 4
 * the tRPC face (requests as the typed client's `httpLink` and
 * `httpBatchLink` make them) against the REST face; 5 cold, every request
 * through MikroORM (`TASK_CACHE_CAPACITY=0`) against the `pg` floor; 6 one
 * large file through a signed local link against nginx `sendfile`, and the
 * API's p99 while 4 such downloads run. URL signing per adapter is
 * `npm run bench:sign`.
 *
 * `--before DIR` starts the service of another checkout of this repository
 * too (its own `npm ci` done) and adds it to scenarios 1, 4 and 5 as a side
 * of its own, in the same alternating rounds: what a change bought, measured
 * without the machine's drift in between.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres, serviceArgs } from "@taskdl/testing";
import type { AppRouter } from "@taskdl/server";
import { createTRPCClient, httpBatchLink, httpLink } from "@trpc/client";
import jwt from "jsonwebtoken";
import pg from "pg";
import { freePort } from "./_free_port.ts";
import { machineLine, pin, pinRunning } from "./_cores.ts";
import { curlOnce, downloadLoop, findNginx, hasCurl, startNginx } from "./_downloads.ts";
import { type LoadShape, load, median, Table } from "./_rounds.ts";
import { ROUTES } from "@taskdl/contract";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string" },
    connections: { type: "string", default: "32" },
    tasks: { type: "string", default: "2000" },
    "download-mb": { type: "string", default: "1024" },
    large: { type: "boolean", default: false },
    scenarios: { type: "string", default: "1,2,3,4,5,6" },
    "cpu-prof": { type: "string" },
    before: { type: "string" },
  },
  strict: true,
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const TASKS = Number(values.tasks);
const downloadMb = Number(values["download-mb"]);
const warmup = values.warmup === undefined ? Math.min(8, seconds) : Number(values.warmup);
const scenarios = new Set(values.scenarios.split(",").map((n) => n.trim()));
if (
  !(seconds > 0 && rounds >= 1 && connections >= 1 && warmup >= 0 && TASKS >= 100 && downloadMb >= 1) ||
  [...scenarios].some((n) => !/^[1-6]$/.test(n))
) {
  throw new Error(
    "usage: api_bench.ts [--seconds S>0] [--rounds N>=1] [--connections N>=1] [--warmup S] [--tasks N>=100] [--download-mb MB] [--large] [--scenarios 1,2,3,4,5,6] [--cpu-prof DIR]",
  );
}
// The V8 profiles of the services and the floors (one .cpuprofile per process, written when it exits), for `--cpu-prof DIR`.
const profile = values["cpu-prof"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`];

const FLOOR = fileURLToPath(new URL("./floor_server.ts", import.meta.url));
const SECRET = "bench-jwt-secret-of-at-least-32-bytes!!";
const LINK_KEY = "bench-link-key-of-at-least-32-bytes!!!";
const USERS = 100;
const POOL = 10;
const DOWNLOADS_AT_ONCE = 4;
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

const token = (sub: string) => jwt.sign({ sub }, SECRET, { algorithm: "HS256", expiresIn: 24 * 3600 });
const tokens = Array.from({ length: USERS }, (_, i) => token(`u${i}`));
const REST = ROUTES.getDownloadUrl.path;

const dir = mkdtempSync(join(tmpdir(), "taskdl-bench-"));
chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user, nginx's worker as nobody
const shape: LoadShape = { seconds, warmup, rounds, connections, dir };
const table = new Table();
/** What each target is read from, in the order printed at the end. */
const targets: { name: string; figure: string; met: boolean }[] = [];
const target = (name: string, figure: string, met: boolean) => targets.push({ name, figure, met });
let database: EmbeddedPostgresHandle | undefined;
const children: ChildProcess[] = [];
try {
  database = await startEmbeddedPostgres(join(dir, "pg"), { password: "bench", database: "bench" });
  const databaseUrl = database.url;
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {}); // the database stops under it at the end
  await client.connect();
  // PostgreSQL to the load core: the postmaster and its children; every later backend inherits it.
  const { rows } = await client.query<{ data_directory: string }>("SHOW data_directory");
  const pidFile = readFileSync(join(rows[0]?.data_directory ?? "", "postmaster.pid"), "utf8");
  pinRunning("load", Number(pidFile.split("\n")[0]));

  const cacheFilled = new Set<string | undefined>();
  const startService = async (label: string, env: Record<string, string>, root?: string) => {
    // As every start after a machine's first: Node's compile cache filled (npm start's, compile_cache.js), by main.ts
    // stopped at the configuration; once per checkout.
    if (!cacheFilled.has(root)) {
      spawnSync(process.execPath, serviceArgs(root), { env: { ...process.env, PORT: "none" }, stdio: "ignore" });
      cacheFilled.add(root);
    }
    const port = await freePort();
    const [command, args] = pin("server", [process.execPath, ...profile, ...serviceArgs(root)]);
    const child = spawn(command, args, {
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dir,
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_MAX: String(POOL),
        JWT_SECRET: SECRET,
        URL_SIGNING_KEY: LINK_KEY,
        SEED_DEMO: "false",
        // On and never reached, so its cost is in the figures.
        RATE_LIMIT_PER_USER: "1000000",
        LOG_LEVEL: "info",
        ...env,
      },
      stdio: ["ignore", process.env.BENCH_DEBUG ? "inherit" : "ignore", "inherit"],
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilUp(url, "/readyz", 200); // migrations have run once it is ready
    return { label, url, child };
  };
  const service = await startService("service", {});
  const before = values.before === undefined ? undefined : await startService("before", {}, values.before);

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
  // Scenario 6's file, in the service's local store (DATA_DIR/files), random bytes so nothing compresses it.
  const downloadBytes = downloadMb * 1024 * 1024;
  await client.query(
    `INSERT INTO "analysis_task" VALUES ('download', 'u0', 'SUCCEEDED', now(), now());
     INSERT INTO "task_output" (task_id, position, file_name, storage_key, size, content_type, created_at)
     VALUES ('download', 0, 'scene.tif', 'bench/scene.tif', ${downloadBytes}, 'image/tiff', now())`,
  );
  await client.query("ANALYZE");

  const startFloor = async (label: string, env: Record<string, string>) => {
    const port = await freePort();
    const [command, args] = pin("server", [process.execPath, ...profile, FLOOR]);
    const child = spawn(command, args, {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        JWT_SECRET: SECRET,
        URL_SIGNING_KEY: LINK_KEY,
        POOL_MAX: String(POOL),
        ...env,
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilUp(url, REST);
    return { label, url, child };
  };
  const floor = await startFloor("pg floor", {});
  const memoryFloor = await startFloor("in-memory floor", { IN_MEMORY: "true" });

  // The mix: random tasks of random users, one in ten someone else's (404).
  const mixed = (taskCount: number): [string, string][] =>
    Array.from({ length: 5000 }, () => {
      const i = Math.floor(Math.random() * taskCount);
      const foreign = Math.random() < 0.1;
      return [`${REST}?taskId=t${i}`, tokens[(foreign ? i + 1 : i) % USERS] as string];
    });
  const mix = mixed(TASKS);

  if (scenarios.has("1")) {
    const name = `1 cached, ${TASKS.toLocaleString("en")} tasks`;
    const s = await table.compare(
      name,
      [
        { ...service, targets: mix },
        ...(before === undefined ? [] : [{ ...before, targets: mix }]),
        { ...memoryFloor, targets: mix },
        { ...floor, targets: mix },
      ],
      shape,
    );
    if (before !== undefined) table.ratio(name, s, "service", "before");
    const toMemory = table.ratio(name, s, "service", "in-memory floor");
    const toPg = table.ratio(name, s, "service", "pg floor");
    target("cached: req/s ≥ 0.8x the in-memory floor's", `${toMemory.rps.toFixed(2)}x`, toMemory.rps >= 0.8);
    target("cached: p99 ≤ the pg floor's", `${toPg.p99.toFixed(2)}x`, toPg.p99 <= 1);
    const rss = s.get("service")?.rssMb ?? 0;
    target("memory: peak RSS ≤ 150 MB in the cached scenario", `${rss} MB`, rss <= 150);
  }
  const big: [string, string][] = [[`${REST}?taskId=big`, tokens[0] as string]];
  if (scenarios.has("2")) {
    const name = "2 one task, 1,000 outputs";
    const s = await table.compare(
      name,
      [
        { ...service, targets: big },
        { ...floor, targets: big },
      ],
      shape,
    );
    table.ratio(name, s, "service", "pg floor");
  }
  if (scenarios.has("4")) {
    const name = "4 tRPC face vs REST";
    // The requests exactly as the typed client's links make them: the paths are built the way each link builds
    // them, checked against what the real link sends for the first 50 targets (a link that changed its URLs
    // stops the run).
    const CHECKED = 50;
    const pathOf = {
      httpLink: (input: { taskId: string }) =>
        `/trpc/analysisTask.getDownloadUrl?input=${encodeURIComponent(JSON.stringify(input))}`,
      httpBatchLink: (input: { taskId: string }) =>
        `/trpc/analysisTask.getDownloadUrl?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: input }))}`,
    };
    const linkTargets = async (kind: keyof typeof pathOf): Promise<[string, string][]> => {
      let current = "";
      let seen = "";
      const trpc = createTRPCClient<AppRouter>({
        links: [
          (kind === "httpLink" ? httpLink : httpBatchLink)({
            url: `${service.url}/trpc`,
            headers: () => ({ authorization: `Bearer ${current}` }),
            fetch: (input, init) => {
              seen = String(input instanceof Request ? input.url : input);
              return fetch(input, init);
            },
          }),
        ],
      });
      const targets = mix.map(([path, owner]): [{ taskId: string }, string, string] => {
        const input = { taskId: new URL(path, "http://x").searchParams.get("taskId") ?? "" };
        return [input, pathOf[kind](input), owner];
      });
      // One at a time: calls made together would go out as one batch.
      for (const [input, built, owner] of targets.slice(0, CHECKED)) {
        current = owner;
        await trpc.analysisTask.getDownloadUrl.query(input).catch(() => undefined);
        const sent = new URL(seen);
        if (`${sent.pathname}${sent.search}` !== built)
          throw new Error(`${kind} sends ${sent.pathname}${sent.search}; the bench built ${built}`);
      }
      return targets.map(([, built, owner]) => [built, owner]);
    };
    const viaHttpLink = await linkTargets("httpLink");
    const s = await table.compare(
      name,
      [
        { ...service, label: "tRPC httpLink", targets: viaHttpLink },
        { ...service, label: "tRPC httpBatchLink", targets: await linkTargets("httpBatchLink") },
        { ...service, label: "REST", targets: mix },
        ...(before === undefined ? [] : [{ ...before, label: "tRPC httpLink, before", targets: viaHttpLink }]),
      ],
      shape,
    );
    if (before !== undefined) {
      table.ratio(name, s, "tRPC httpLink", "tRPC httpLink, before");
    }
    for (const label of ["tRPC httpLink", "tRPC httpBatchLink"]) {
      const r = table.ratio(name, s, label, "REST");
      target(`tRPC face (${label.slice(5)}): req/s ≥ 0.9x the REST face's`, `${r.rps.toFixed(2)}x`, r.rps >= 0.9);
    }
  }
  if (scenarios.has("5")) {
    const name = "5 cold, TASK_CACHE_CAPACITY=0";
    const cold = await startService("cold service", { TASK_CACHE_CAPACITY: "0" });
    const coldBefore =
      values.before === undefined
        ? undefined
        : await startService("cold, before", { TASK_CACHE_CAPACITY: "0" }, values.before);
    const s = await table.compare(
      name,
      [
        { ...cold, targets: mix },
        ...(coldBefore === undefined ? [] : [{ ...coldBefore, targets: mix }]),
        { ...floor, targets: mix },
      ],
      shape,
    );
    if (coldBefore !== undefined) {
      table.ratio(name, s, "cold service", "cold, before");
      coldBefore.child.kill("SIGTERM");
    }
    const r = table.ratio(name, s, "cold service", "pg floor");
    target("cold: req/s ≥ 0.9x the pg floor's", `${r.rps.toFixed(2)}x`, r.rps >= 0.9);
    target("cold: p99 ≤ 1.2x the pg floor's", `${r.p99.toFixed(2)}x`, r.p99 <= 1.2);
    cold.child.kill("SIGTERM");
  }
  if (scenarios.has("6")) {
    const nginx = findNginx();
    if (nginx === undefined || !hasCurl()) {
      console.log(
        `\n!!! SKIPPED scenario 6 (downloads against nginx): ${nginx === undefined ? "nginx is not installed (apt-get install nginx-light)" : "curl is not installed"} !!!\n`,
      );
    } else {
      const name = `6 one ${downloadMb >= 1024 ? `${downloadMb / 1024} GiB` : `${downloadMb} MiB`} file`;
      const root = join(dir, "files");
      mkdirSync(join(root, "bench"), { recursive: true });
      const fd = openSync(join(root, "bench", "scene.tif"), "w", 0o644);
      const chunk = Buffer.alloc(16 * 1024 * 1024);
      for (let written = 0; written < downloadBytes; written += chunk.length)
        writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, downloadBytes - written));
      closeSync(fd);
      const nginxPort = await freePort();
      children.push(await startNginx(nginx, dir, root, nginxPort));
      const res = await fetch(`${service.url}${REST}?taskId=download`, {
        headers: { authorization: `Bearer ${tokens[0]}` },
      });
      const { data } = (await res.json()) as { data: { downloadUrls: { downloadUrl: string }[] } };
      const signed = data.downloadUrls[0]?.downloadUrl ?? "";
      const sides = [
        { label: "taskdl signed link", url: signed },
        { label: "nginx sendfile", url: `http://127.0.0.1:${nginxPort}/bench/scene.tif` },
      ];
      const speeds = new Map<string, number[]>(sides.map((side) => [side.label, []]));
      for (const side of sides) await curlOnce(side.url, downloadBytes); // warm: the page cache and the JIT
      for (let round = 0; round < rounds; round++) {
        for (const side of sides) {
          const { bytesPerSecond } = await curlOnce(side.url, downloadBytes);
          speeds.get(side.label)?.push(bytesPerSecond);
          console.error(`  ${name} · round ${round + 1} · ${side.label}: ${Math.round(bytesPerSecond / 1e6)} MB/s`);
        }
      }
      const mbps = (label: string) => median(speeds.get(label) ?? []) / 1e6;
      for (const side of sides)
        table.add({ scenario: name, side: side.label, notes: `${Math.round(mbps(side.label))} MB/s` });
      const downloadRatio = mbps("taskdl signed link") / mbps("nginx sendfile");
      table.add({ scenario: name, side: "ratio taskdl/nginx", rps: `${downloadRatio.toFixed(2)}x` });
      target(
        "downloads: a signed local link ≥ 0.6x nginx sendfile",
        `${downloadRatio.toFixed(2)}x`,
        downloadRatio >= 0.6,
      );

      // The API while 4 downloads of the same file run on the same event loop, against the API alone.
      const p99 = { idle: [] as number[], busy: [] as number[] };
      const rps = { idle: [] as number[], busy: [] as number[] };
      const moved: number[] = [];
      if (warmup > 0) await load(service.url, mix, warmup, shape);
      for (let round = 0; round < rounds; round++) {
        const idle = await load(service.url, mix, seconds, shape);
        p99.idle.push(idle.p99);
        rps.idle.push(idle.rps);
        const downloads = downloadLoop(signed, downloadBytes, DOWNLOADS_AT_ONCE);
        const busy = await load(service.url, mix, seconds, shape);
        moved.push(await downloads.stop());
        p99.busy.push(busy.p99);
        rps.busy.push(busy.rps);
        console.error(`  ${name} · round ${round + 1} · API p99 idle ${idle.p99} ms, under downloads ${busy.p99} ms`);
      }
      const api = `API, ${DOWNLOADS_AT_ONCE} downloads running`;
      table.add({
        scenario: name,
        side: "API alone",
        rps: Math.round(median(rps.idle)).toLocaleString("en"),
        p99: median(p99.idle).toFixed(1),
      });
      table.add({
        scenario: name,
        side: api,
        rps: Math.round(median(rps.busy)).toLocaleString("en"),
        p99: median(p99.busy).toFixed(1),
        notes: `downloads ${Math.round(median(moved) / 1e6)} MB/s in all`,
      });
      const busyRatio = median(p99.busy) / median(p99.idle);
      table.add({ scenario: name, side: "ratio p99 busy/alone", p99: busyRatio.toFixed(2) });
      target(
        `downloads: API p99 with ${DOWNLOADS_AT_ONCE} downloads ≤ 2x its p99 alone`,
        `${busyRatio.toFixed(2)}x`,
        busyRatio <= 2,
      );
    }
  }
  if (values.large && scenarios.has("3")) {
    await seed(TASKS, 1_000_000 - 1);
    await client.query("ANALYZE");
    const millions = mixed(1_000_000);
    const name = "3 1,000,000 tasks";
    const s = await table.compare(
      name,
      [
        { ...service, targets: millions },
        { ...floor, targets: millions },
      ],
      shape,
    );
    table.ratio(name, s, "service", "pg floor");
    // The same service and mix in alternating rounds, so the machine's drift cancels: is the cost per request flat?
    const flat = "3 1M vs 2k tasks (service)";
    const f = await table.compare(
      flat,
      [
        { ...service, label: "1M tasks", targets: millions },
        { ...service, label: "small mix", targets: mix },
      ],
      shape,
    );
    table.ratio(flat, f, "1M tasks", "small mix");
  }
  await client.end();

  console.log(
    `Service vs floors — ${warmup} s warm-up each, then ${rounds} alternating round(s) × ${seconds} s, ${connections} connections, pool ${POOL}, ${TASKS.toLocaleString("en")} tasks of 2 outputs, ${USERS} users, 10 % foreign ids`,
  );
  console.log(machineLine());
  console.log("peak RSS is the process's high-water mark so far in the run\n");
  table.print();
  if (targets.length > 0) {
    console.log("\ntargets (signing: npm run bench:sign)");
    const width = Math.max(...targets.map((t) => t.name.length));
    for (const t of targets) console.log(`  ${t.met ? "met   " : "MISSED"}  ${t.name.padEnd(width)}  ${t.figure}`);
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(
    children.map((child) =>
      child.exitCode === null && child.signalCode === null
        ? new Promise((resolve) => child.once("exit", resolve))
        : undefined,
    ),
  );
  await database?.stop();
  rmSync(dir, { recursive: true, force: true });
}
