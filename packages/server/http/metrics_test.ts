import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ROUTES } from "@taskdl/contract";
import { startS3Emulator, startTestServer, type TestServer, type TestStore } from "@taskdl/testing";

// Prometheus metrics on their own listener (METRICS_PORT), after a whole
// session of the real service: every metric named in docs/operations.md is
// there, counts follow what happened, and no label value carries a user id,
// a task id, a file name, a token or a URL.

const USER = "metrics-user-5c1e9";
const TASK = "metrics-task-7d42a";
const FILE = "quarterly-secret-report.pdf";
const KEY = "outputs/metrics-task-7d42a/quarterly-secret-report.pdf";
const get = (path: string) => `${ROUTES.getDownloadUrl.path}?taskId=${encodeURIComponent(path)}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(url: string | undefined): Promise<{ text: string; samples: Sample[] }> {
  assert.ok(url !== undefined, "metrics are on: the service says where");
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match !== null, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] ?? ""] = pair[2] ?? "";
    }
    samples.push({ name: match[1] ?? "", labels, value: Number(match[3]) });
  }
  return { text, samples };
}

// A counter that never counted (with labels) has no sample yet: zero.
function counted(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.some((sample) => sample.name === name) ? value(samples, name, labels) : 0;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v),
  );
  assert.ok(found.length > 0, `${name} ${JSON.stringify(labels)} is exported`);
  return found.reduce((sum, sample) => sum + sample.value, 0);
}

describe("metrics after a whole session", () => {
  let server: TestServer;
  let token: string;
  let link: string;
  before(async () => {
    server = await startTestServer({ METRICS_PORT: "0", RATE_LIMIT_PER_USER: "1", RATE_LIMIT_BURST: "6" });
    token = server.token(USER);
    const put = await server.putTask({
      taskId: TASK,
      ownerId: USER,
      status: "SUCCEEDED",
      outputs: [{ fileName: FILE, storageKey: KEY }],
    });
    assert.equal(put.status, 200);
    // A miss, then hits; a task that does not exist; someone else's token; no token.
    const first = await server.get(get(TASK), token);
    assert.equal(first.status, 200);
    const body = (await first.json()) as { data: { downloadUrls: { downloadUrl: string }[] } };
    link = body.data.downloadUrls[0]?.downloadUrl ?? "";
    assert.equal((await fetch(link)).status, 200, "the link downloads");
    assert.equal((await fetch(`${link}x`)).status, 403, "a tampered link is refused");
    assert.equal((await server.get(get(TASK), token)).status, 200);
    assert.equal((await server.get(get("no-such-task-3b9"), token)).status, 404);
    assert.equal((await server.get(get(TASK), server.token("someone-else-8f0"))).status, 404);
    assert.equal((await server.get(get(TASK))).status, 401);
    assert.equal((await server.get(get(TASK), `${token}broken`)).status, 401);
    // The tRPC face, then past the burst: 429s.
    const trpcPath = `/trpc/analysisTask.getDownloadUrl?input=${encodeURIComponent(JSON.stringify({ taskId: TASK }))}`;
    assert.equal((await server.get(trpcPath, token)).status, 200);
    // Until the bucket runs dry (it refills at 1 per second, however slow the machine).
    let limited = 0;
    for (let i = 0; i < 50 && limited === 0; i++) if ((await server.get(get(TASK), token)).status === 429) limited++;
    assert.ok(limited > 0, "the rate limit refused some");
    assert.equal((await server.get("/healthz")).status, 200);
    assert.equal((await server.get(`/nowhere/${TASK}`)).status, 404);
  });
  after(() => server?.close());

  test("every documented metric is exported, with the default process metrics", async () => {
    const { samples } = await scrape(server.running.metricsUrl);
    for (const name of [
      "http_request_duration_seconds_bucket",
      "http_request_duration_seconds_count",
      "taskdl_task_cache_hits_total",
      "taskdl_task_cache_misses_total",
      "taskdl_task_cache_entries",
      "taskdl_db_pool_connections",
      "taskdl_change_listener_up",
      "taskdl_change_notices_total",
      "taskdl_rate_limited_total",
      "process_resident_memory_bytes",
      "process_cpu_seconds_total",
      "nodejs_eventloop_lag_seconds",
    ]) {
      assert.ok(
        samples.some((sample) => sample.name === name),
        `${name} is exported`,
      );
    }
    for (const state of ["idle", "used", "waiting"]) value(samples, "taskdl_db_pool_connections", { state });
  });

  test("counts follow the session: routes by pattern, status classes, cache, rate limit, notices", async () => {
    // The listener hears its own replica's write within its probe interval.
    let samples: Sample[] = [];
    for (let tries = 0; tries < 100; tries++) {
      samples = (await scrape(server.running.metricsUrl)).samples;
      if (value(samples, "taskdl_change_listener_up") === 1 && value(samples, "taskdl_change_notices_total") >= 1)
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(value(samples, "taskdl_change_listener_up"), 1);
    assert.ok(value(samples, "taskdl_change_notices_total") >= 1, "the PUT's notice came back");
    const count = (labels: Record<string, string>) => value(samples, "http_request_duration_seconds_count", labels);
    const rest = ROUTES.getDownloadUrl.path;
    assert.ok(count({ route: rest, method: "GET", status_class: "2xx" }) >= 2);
    assert.equal(count({ route: rest, method: "GET", status_class: "4xx" }) >= 5, true);
    const put = samples.filter(
      (sample) => sample.name === "http_request_duration_seconds_count" && sample.labels.method === "PUT",
    );
    assert.deepEqual(
      put.map((sample) => [sample.labels.route, sample.value]),
      [["/analysis/task/:taskId", 1]],
    );
    assert.equal(count({ route: "/trpc/*path", status_class: "2xx" }), 1);
    assert.equal(count({ route: "/files/*key", status_class: "2xx" }), 1);
    assert.equal(count({ route: "/files/*key", status_class: "4xx" }), 1);
    assert.equal(count({ route: "unmatched", status_class: "4xx" }), 1);
    assert.ok(value(samples, "taskdl_rate_limited_total") >= 1);
    assert.ok(value(samples, "taskdl_task_cache_misses_total") >= 2, "the first read and the unknown id");
    assert.ok(value(samples, "taskdl_task_cache_hits_total") >= 2, "later reads");
    assert.equal(value(samples, "taskdl_task_cache_entries"), 2, "one task with one output");
    assert.ok(value(samples, "process_resident_memory_bytes") > 10_000_000);
  });

  test("no label value is a user id, task id, file name, token, signature or URL", async () => {
    const { samples } = await scrape(server.running.metricsUrl);
    const signature = new URL(link).search.slice(1);
    const forbidden = [USER, TASK, FILE, KEY, token, signature, "someone-else-8f0", "no-such-task-3b9", "?", "://"];
    const values = new Set(samples.flatMap((sample) => Object.values(sample.labels)));
    for (const label of values) {
      for (const secret of forbidden) assert.ok(!label.includes(secret), `label value ${label} holds ${secret}`);
    }
    // The only labels are the fixed ones; their values come from small fixed sets.
    const names = new Set(samples.flatMap((sample) => Object.keys(sample.labels)));
    const known = ["route", "method", "status_class", "state", "driver", "le", "quantile"];
    const defaults = ["version", "major", "minor", "patch", "space", "kind", "type"];
    for (const name of names) assert.ok([...known, ...defaults].includes(name), `label ${name}`);
    const routes = new Set(samples.map((sample) => sample.labels.route).filter((route) => route !== undefined));
    for (const route of routes) assert.ok(route === "unmatched" || route.startsWith("/"), route);
    assert.ok(routes.size <= 8, `a bounded set of routes: ${[...routes].join(", ")}`);
  });

  test("the metrics listener serves /metrics only, and the API does not serve it", async () => {
    const url = server.running.metricsUrl ?? "";
    assert.equal((await fetch(url.replace(/\/metrics$/, "/other"))).status, 404);
    assert.equal((await server.get("/metrics")).status, 404);
  });
});

test("metrics are off unless METRICS_PORT is set: no listener, no timing", async () => {
  const server = await startTestServer();
  try {
    assert.equal(server.running.metricsUrl, undefined);
    assert.equal(server.logLines.find((line) => line.msg === "listening")?.metricsUrl, undefined);
  } finally {
    await server.close();
  }
});

describe("storage errors are counted by driver", () => {
  let store: TestStore;
  let storeClosed = false;
  let server: TestServer;
  before(async () => {
    store = await startS3Emulator();
    server = await startTestServer({ METRICS_PORT: "0" }, { store });
  });
  after(async () => {
    await server?.close();
    if (!storeClosed) await store?.close();
  });

  test("a missing object is not an error; an unreachable store is", async () => {
    const missing = await server.putTask(
      { taskId: "m-1", ownerId: "u", status: "SUCCEEDED", outputs: [{ fileName: "a", storageKey: "gone/a" }] },
      { createObjects: false },
    );
    assert.equal(missing.status, 400);
    assert.equal(counted((await scrape(server.running.metricsUrl)).samples, "taskdl_storage_errors_total"), 0);
    await store.close();
    storeClosed = true;
    const down = await server.putTask(
      { taskId: "m-2", ownerId: "u", status: "SUCCEEDED", outputs: [{ fileName: "a", storageKey: "down/a" }] },
      { createObjects: false },
    );
    assert.equal(down.status, 503);
    assert.ok(
      value((await scrape(server.running.metricsUrl)).samples, "taskdl_storage_errors_total", { driver: "s3" }) >= 1,
    );
  });
});
