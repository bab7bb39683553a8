/**
 * `taskdl pull` against the tools people would otherwise use, on loopback
 * against the real service (local storage, files on disk), in alternating
 * rounds so a noisy machine shifts them all alike:
 *
 * - one large file (1 GiB): taskdl vs `curl -o` of the same link, and vs
 *   `curl -o` then `sync FILE` (taskdl flushes each file to disk before it
 *   renames it; curl leaves it in the page cache);
 * - many small files (200 of 1 MiB): taskdl vs a sequential `curl` loop, and
 *   vs `aria2c -j 4 -i` on taskdl's own aria2 export (which verifies too);
 * - taskdl's CPU seconds per GiB and peak RSS (from the process itself).
 *
 * taskdl runs as users install it: the bundle of `packages/cli/build.ts`.
 *
 *   npm run bench:pull                 # 3 rounds, 1 GiB and 200 × 1 MiB
 *   npm run bench:pull -- --smoke      # the CI smoke run: 1 round, 16 MiB and 20 × 64 KiB
 *
 * Figures are printed, not asserted. It starts an embedded PostgreSQL
 * unless `DATABASE_URL` is set.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ROUTES, routePath } from "@taskdl/contract";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres, startTestServer } from "@taskdl/testing";

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    rounds: { type: "string" },
    "big-mib": { type: "string" },
    files: { type: "string" },
    "file-kib": { type: "string" },
  },
  strict: true,
});
const smoke = values.smoke === true;
const rounds = Number(values.rounds ?? (smoke ? 1 : 3));
const bigMib = Number(values["big-mib"] ?? (smoke ? 16 : 1024));
const fileCount = Number(values.files ?? (smoke ? 20 : 200));
const fileKib = Number(values["file-kib"] ?? (smoke ? 64 : 1024));
if (![rounds, bigMib, fileCount, fileKib].every((n) => Number.isInteger(n) && n >= 1)) {
  throw new Error("usage: pull_bench.ts [--smoke] [--rounds N] [--big-mib N] [--files N] [--file-kib N]");
}

const work = mkdtempSync(join(tmpdir(), "taskdl-pull-bench-"));
// What users install: the bundle `npm pack` builds (the workspace's bin runs the TypeScript, with type stripping's cost).
const BIN = join(work, "taskdl.js");
await new Promise<void>((resolve, reject) =>
  spawn(process.execPath, [fileURLToPath(new URL("../../packages/cli/build.ts", import.meta.url)), "--outfile", BIN], {
    stdio: "inherit",
  }).on("close", (code) => (code === 0 ? resolve() : reject(new Error(`build.ts exited ${code}`)))),
);
// Loaded into the CLI's process: its own CPU time and peak RSS, written when it exits.
const USAGE_HOOK = join(work, "usage_hook.mjs");
writeFileSync(
  USAGE_HOOK,
  `import { writeFileSync } from "node:fs";
process.on("exit", () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssKb: u.maxRSS }));
});
`,
);

let database: EmbeddedPostgresHandle | undefined;
if (process.env.DATABASE_URL === undefined || process.env.DATABASE_URL === "") {
  chmodSync(work, 0o755);
  database = await startEmbeddedPostgres(join(work, "pg"), { password: "bench", database: "postgres" });
  process.env.DATABASE_URL = database.url;
}
const server = await startTestServer({ DOWNLOAD_URL_TTL: "3600", LOG_LEVEL: "warn" });
const storage = server.config.storage;
if (storage.driver !== "local") throw new Error("the benchmark runs on local storage");
const token = server.token("bench");

/** Writes an incompressible object straight into the store, returning its SHA-256. */
async function writeObject(key: string, bytes: number): Promise<string> {
  if (storage.driver !== "local") throw new Error("local storage only");
  const path = join(storage.root, key);
  mkdirSync(dirname(path), { recursive: true });
  const hash = createHash("sha256");
  const file = await open(path, "w");
  const block = randomBytes(Math.min(bytes, 16 << 20));
  for (let written = 0; written < bytes;) {
    const part = block.subarray(0, Math.min(block.length, bytes - written));
    // Vary each block a little so no two are the same.
    part[0] = written & 0xff;
    hash.update(part);
    await file.write(part);
    written += part.length;
  }
  await file.close();
  return hash.digest("hex");
}

async function recordTask(taskId: string, outputs: { fileName: string; bytes: number }[]): Promise<void> {
  const recorded = [];
  for (const [index, output] of outputs.entries()) {
    const storageKey = `bench/${taskId}/${index}`;
    recorded.push({ fileName: output.fileName, storageKey, sha256: await writeObject(storageKey, output.bytes) });
  }
  const res = await server.putTask(
    { taskId, ownerId: "bench", status: "SUCCEEDED", outputs: recorded },
    { createObjects: false },
  );
  if (res.status !== 200) throw new Error(`Cannot record ${taskId}: ${res.status} ${await res.text()}`);
}

async function links(taskId: string): Promise<{ fileName: string; downloadUrl: string }[]> {
  const res = await server.get(routePath(ROUTES.getDownloadUrl, {}, { query: { taskId } }), token);
  return ((await res.json()) as { data: { downloadUrls: { fileName: string; downloadUrl: string }[] } }).data
    .downloadUrls;
}

/** Runs a command to its end; resolves with the wall time in seconds. */
function timed(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`${command} exited ${code}: ${stderr.slice(-500)}`)),
    );
  });
}

const fresh = () => mkdtempSync(join(work, "out-"));

interface Usage {
  cpu: number;
  maxRssKb: number;
}

async function taskdl(taskId: string): Promise<{ seconds: number; usage: Usage }> {
  const out = fresh();
  const usageFile = join(work, "usage.json");
  const seconds = await timed(
    process.execPath,
    ["--import", USAGE_HOOK, BIN, "pull", taskId, "--out", out, "--quiet"],
    {
      env: { TASKDL_URL: server.url, TASKDL_TOKEN: token, BENCH_USAGE_FILE: usageFile },
    },
  );
  rmSync(out, { recursive: true, force: true });
  return { seconds, usage: JSON.parse(readFileSync(usageFile, "utf8")) as Usage };
}

/** `curl -o` of the file's link; with `sync`, then `sync FILE` (fsync), the durability taskdl gives before its rename. */
async function curlOne(taskId: string, sync: boolean): Promise<number> {
  const out = fresh();
  const [link] = await links(taskId);
  if (link === undefined) throw new Error("no link");
  const path = join(out, link.fileName);
  const seconds = sync
    ? await timed("bash", ["-euc", `curl -sS --fail -o "$1" "$2" && sync "$1"`, "curl", path, link.downloadUrl])
    : await timed("curl", ["-sS", "--fail", "-o", path, link.downloadUrl]);
  rmSync(out, { recursive: true, force: true });
  return seconds;
}

async function curlLoop(taskId: string): Promise<number> {
  const out = fresh();
  const all = await links(taskId);
  const script = all.map(({ fileName, downloadUrl }) => `curl -sS --fail -o '${fileName}' '${downloadUrl}'`).join("\n");
  const seconds = await timed("bash", ["-euc", script], { cwd: out });
  rmSync(out, { recursive: true, force: true });
  return seconds;
}

async function aria2(taskId: string): Promise<number> {
  const out = fresh();
  const exportFile = join(work, "links.aria2");
  // Exporting is part of the aria2 route: taskdl urls, then aria2c on the file.
  const started = performance.now();
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "urls", taskId, "--format", "aria2"], {
      env: { ...process.env, TASKDL_URL: server.url, TASKDL_TOKEN: token },
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`taskdl urls exited ${code}`))));
  });
  writeFileSync(exportFile, text);
  await timed("aria2c", [
    "-j",
    "4",
    "-i",
    exportFile,
    "-d",
    out,
    "--console-log-level=error",
    "--summary-interval=0",
    "--download-result=hide",
  ]);
  rmSync(out, { recursive: true, force: true });
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

try {
  const bigBytes = bigMib * 1024 * 1024;
  const smallBytes = fileKib * 1024;
  process.stdout.write(`# writing ${bigMib} MiB and ${fileCount} × ${fileKib} KiB into local storage\n`);
  await recordTask("bench-big", [{ fileName: "big.bin", bytes: bigBytes }]);
  await recordTask(
    "bench-many",
    Array.from({ length: fileCount }, (_, i) => ({
      fileName: `tile_${String(i).padStart(3, "0")}.bin`,
      bytes: smallBytes,
    })),
  );

  const times: Record<string, number[]> = {
    cliBig: [],
    curlBig: [],
    curlSyncBig: [],
    cliMany: [],
    loopMany: [],
    aria2Many: [],
  };
  const usages: Usage[] = [];
  // One unmeasured pull each to warm the page cache and the service.
  await taskdl("bench-big");
  await taskdl("bench-many");
  for (let round = 0; round < rounds; round++) {
    const big = [
      async () => {
        const { seconds, usage } = await taskdl("bench-big");
        times.cliBig?.push(seconds);
        usages.push(usage);
      },
      async () => void times.curlBig?.push(await curlOne("bench-big", false)),
      async () => void times.curlSyncBig?.push(await curlOne("bench-big", true)),
    ];
    const many = [
      async () => void times.cliMany?.push((await taskdl("bench-many")).seconds),
      async () => void times.loopMany?.push(await curlLoop("bench-many")),
      async () => void times.aria2Many?.push(await aria2("bench-many")),
    ];
    // Alternate the order from round to round.
    for (const run of round % 2 === 0 ? big : [...big].reverse()) await run();
    for (const run of round % 2 === 0 ? many : [...many].reverse()) await run();
    process.stdout.write(`# round ${round + 1} of ${rounds} done\n`);
  }

  const mibps = (bytes: number, seconds: number) => bytes / 1024 / 1024 / seconds;
  const bigMedian = {
    cli: median(times.cliBig ?? []),
    curl: median(times.curlBig ?? []),
    curlSync: median(times.curlSyncBig ?? []),
  };
  const many = {
    cli: median(times.cliMany ?? []),
    loop: median(times.loopMany ?? []),
    aria2: median(times.aria2Many ?? []),
  };
  const manyBytes = fileCount * smallBytes;
  const rows: [string, string, number, number, string][] = [
    [`1 × ${bigMib} MiB`, "taskdl pull", bigMedian.cli, mibps(bigBytes, bigMedian.cli), ""],
    [
      `1 × ${bigMib} MiB`,
      "curl -o",
      bigMedian.curl,
      mibps(bigBytes, bigMedian.curl),
      `taskdl ${(bigMedian.curl / bigMedian.cli).toFixed(2)}× curl`,
    ],
    [
      `1 × ${bigMib} MiB`,
      "curl -o, then sync FILE",
      bigMedian.curlSync,
      mibps(bigBytes, bigMedian.curlSync),
      `taskdl ${(bigMedian.curlSync / bigMedian.cli).toFixed(2)}× curl + fsync`,
    ],
    [`${fileCount} × ${fileKib} KiB`, "taskdl pull (4 at once)", many.cli, mibps(manyBytes, many.cli), ""],
    [
      `${fileCount} × ${fileKib} KiB`,
      "curl, one after another",
      many.loop,
      mibps(manyBytes, many.loop),
      `taskdl ${(many.loop / many.cli).toFixed(2)}× the loop`,
    ],
    [
      `${fileCount} × ${fileKib} KiB`,
      "aria2c -j 4 -i (taskdl urls)",
      many.aria2,
      mibps(manyBytes, many.aria2),
      `taskdl ${(many.aria2 / many.cli).toFixed(2)}× aria2c`,
    ],
  ];
  const cpuPerGib = median(usages.map((usage) => usage.cpu / (bigBytes / 2 ** 30)));
  const peakRss = Math.max(...usages.map((usage) => usage.maxRssKb)) / 1024;
  process.stdout.write(
    `\npull benchmark: ${rounds} round(s), medians, loopback, local storage, SHA-256 verified by taskdl and aria2c\n\n`,
  );
  process.stdout.write(
    `${"files".padEnd(16)}${"tool".padEnd(32)}${"seconds".padStart(9)}${"MiB/s".padStart(10)}  ratio\n`,
  );
  for (const [files, tool, seconds, rate, ratio] of rows) {
    process.stdout.write(
      `${files.padEnd(16)}${tool.padEnd(32)}${seconds.toFixed(3).padStart(9)}${rate.toFixed(0).padStart(10)}  ${ratio}\n`,
    );
  }
  process.stdout.write(`\ntaskdl CPU seconds per GiB (user + system, the large file): ${cpuPerGib.toFixed(2)}\n`);
  process.stdout.write(`taskdl peak RSS (the large file): ${peakRss.toFixed(0)} MB\n`);
} finally {
  await server.close();
  await database?.stop();
  rmSync(work, { recursive: true, force: true });
}
