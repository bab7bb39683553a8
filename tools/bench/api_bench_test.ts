import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { findNginx } from "./_downloads.ts";

const SCRIPT = fileURLToPath(new URL("./api_bench.ts", import.meta.url));
// The smoke run's shape, shared by the tests: one short round, no warm-up, few connections.
const SMOKE = ["--seconds", "1", "--rounds", "1", "--warmup", "0", "--connections", "4"];

test(
  "the service-vs-floors benchmark runs every scenario and prints each side, the ratios and the targets",
  { timeout: 300_000 },
  () => {
    const result = spawnSync(process.execPath, [SCRIPT, ...SMOKE, "--download-mb", "16"], {
      encoding: "utf8",
      timeout: 290_000,
    });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const rows: [string, string[]][] = [
      [
        "1 cached, 2,000 tasks",
        ["service", "in-memory floor", "pg floor", "ratio service/in-memory floor", "ratio service/pg floor"],
      ],
      ["2 one task, 1,000 outputs", ["service", "pg floor", "ratio service/pg floor"]],
      [
        "4 tRPC face vs REST",
        ["tRPC httpLink", "tRPC httpBatchLink", "REST", "ratio tRPC httpLink/REST", "ratio tRPC httpBatchLink/REST"],
      ],
      ["5 cold, TASK_CACHE_CAPACITY=0", ["cold service", "pg floor", "ratio cold service/pg floor"]],
    ];
    for (const [scenario, sides] of rows) {
      for (const side of sides) {
        assert.match(result.stdout, new RegExp(`^${scenario} +${side} +[\\d,.]+x? `, "m"), `${scenario} ${side}`);
      }
    }
    // Each server side's CPU time per answer, a whole number of µs above 0, and its ratio.
    for (const side of ["service", "in-memory floor", "pg floor"]) {
      assert.match(
        result.stdout,
        new RegExp(`^1 cached, 2,000 tasks +${side} +[\\d,]+ +[\\d.]+ +[\\d.]+ +[1-9][\\d,]* +\\d+ +200:`, "m"),
        side,
      );
    }
    // A latency ratio is n/a when the floor's is 0 ms (autocannon counts whole ms; seen in a short run); CPU's never is.
    assert.match(
      result.stdout,
      /^1 cached, 2,000 tasks +ratio service\/pg floor +[\d.]+x +(?:[\d.]+|n\/a) +(?:[\d.]+|n\/a) +[\d.]+$/m,
    );
    assert.match(result.stdout, /^machine: .+ cores\), Node v\d+/m);
    for (const name of [
      "cached: req/s",
      "cached: p99",
      "memory: peak RSS",
      "tRPC face (httpLink)",
      "tRPC face (httpBatchLink)",
      "cold: req/s",
      "cold: p99",
    ])
      assert.match(result.stdout, new RegExp(`^  (met   |MISSED)  ${name.replace(/[()]/g, "\\$&")}`, "m"), name);
    if (findNginx() === undefined) {
      assert.match(result.stdout, /SKIPPED scenario 6 \(downloads against nginx\): nginx is not installed/);
    } else {
      assert.match(result.stdout, /^6 one 16 MiB file +taskdl signed link .+ \d+ MB\/s$/m);
      assert.match(result.stdout, /^6 one 16 MiB file +nginx sendfile .+ \d+ MB\/s$/m);
      assert.match(result.stdout, /^6 one 16 MiB file +ratio p99 busy\/alone +[\d.]+$/m);
      assert.match(
        result.stdout,
        /^ {2}(met {3}|MISSED) {2}downloads: a signed local link ≥ 0.6x nginx sendfile +[\d.]+x$/m,
      );
    }
    assert.doesNotMatch(result.stdout, /errors:|\b5\d\d:/, "no transport errors, no 5xx");
  },
);

test(
  "--cpu-prof profiles the floors as well as the services, so one run sets a side against a floor",
  { timeout: 120_000 },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), "taskdl-bench-prof-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const result = spawnSync(process.execPath, [SCRIPT, ...SMOKE, "--scenarios", "5", "--cpu-prof", dir], {
      encoding: "utf8",
      timeout: 110_000,
    });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    // Which code each profile ran: its call frames name their scripts.
    const profiles = readdirSync(dir)
      .filter((name) => name.endsWith(".cpuprofile"))
      .map((name) => readFileSync(join(dir, name), "utf8"));
    assert.ok(
      profiles.some((text) => text.includes("tools/bench/floor_server.ts")),
      "a profile of the pg floor",
    );
    assert.ok(
      profiles.some((text) => text.includes("packages/server/db/pg_task_repository.ts")),
      "a profile of the service",
    );
  },
);
