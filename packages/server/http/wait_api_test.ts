import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { commonResponse, DownloadUrlResp, ErrorResponse, type PutTaskRequest, ROUTES } from "@taskdl/contract";
import { startTestServer, type TestServer } from "@taskdl/testing";

// `wait`: the answer is held while the task is PENDING or RUNNING, and comes
// the moment it finishes, on any replica (change notices), or when the wait ends.

const Envelope = commonResponse(DownloadUrlResp);

/** Two replicas on one database: tasks change on `writer`, requests wait on `reader`. */
let writer: TestServer;
let reader: TestServer;

function startReplicaOf(primary: TestServer, env: Record<string, string> = {}): Promise<TestServer> {
  const { databaseUrl, databaseListenUrl } = primary.config;
  return startTestServer({
    DATABASE_URL: databaseUrl ?? "",
    ...(databaseListenUrl === undefined ? {} : { DATABASE_LISTEN_URL: databaseListenUrl }),
    ...env,
  });
}

/** Until the replica's change listener has heard its own probe: notices arrive from then on. */
async function listening(server: TestServer): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!server.running.taskCacheListening()) {
    if (Date.now() > deadline) throw new Error("the change listener never came up");
    await sleep(50);
  }
}

before(async () => {
  writer = await startTestServer();
  reader = await startReplicaOf(writer);
  await listening(reader);
});

after(async () => {
  await reader?.close();
  await writer?.close();
});

function task(taskId: string, status: PutTaskRequest["status"], ownerId = "alice"): PutTaskRequest {
  const outputs = status === "SUCCEEDED" ? [{ fileName: "out.tif", storageKey: `w/${taskId}/out.tif` }] : [];
  return { taskId, ownerId, status, outputs };
}

async function record(server: TestServer, request: PutTaskRequest): Promise<void> {
  const res = await server.putTask(request);
  assert.equal(res.status, 200, await res.text());
}

function waitFor(
  server: TestServer,
  taskId: string,
  wait: number | string,
  user: string = "alice",
  signal: AbortSignal | undefined = undefined,
): Promise<Response> {
  return fetch(`${server.url}${ROUTES.getDownloadUrl.path}?taskId=${taskId}&wait=${wait}`, {
    headers: { Authorization: `Bearer ${server.token(user)}` },
    signal,
  });
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work;
  return { value, ms: performance.now() - start };
}

async function expectError(res: Response, code: number, message: string | RegExp): Promise<void> {
  const body = ErrorResponse.parse(await res.json());
  assert.equal(res.status, code, body.message);
  if (typeof message === "string") assert.equal(body.message, message);
  else assert.match(body.message, message);
}

describe("waiting for a task on another replica", () => {
  test("the answer comes within a second of the task succeeding on the other replica", async () => {
    await record(writer, task("w-run", "RUNNING"));
    const waiting = waitFor(reader, "w-run", 30);
    await sleep(500);
    await record(writer, task("w-run", "SUCCEEDED"));
    const { value: res, ms } = await timed(waiting);
    assert.ok(ms < 1000, `answered ${Math.round(ms)} ms after the task succeeded`);
    assert.equal(res.status, 200);
    const { data } = Envelope.parse(await res.json());
    assert.deepEqual(
      data.downloadUrls.map((url) => url.fileName),
      ["out.tif"],
    );
  });

  test("a task created for the user while they wait counts too", async () => {
    const waiting = waitFor(reader, "w-new", 30);
    await sleep(300);
    await record(writer, task("w-new", "SUCCEEDED"));
    const { value: res, ms } = await timed(waiting);
    assert.equal(res.status, 200);
    assert.ok(ms < 1000, `${Math.round(ms)} ms`);
    await res.arrayBuffer();
  });

  test("a task that fails while waited for answers its 400 at once", async () => {
    await record(writer, task("w-fail", "PENDING"));
    const waiting = waitFor(reader, "w-fail", 30);
    await sleep(300);
    await record(writer, task("w-fail", "FAILED"));
    const { value: res, ms } = await timed(waiting);
    assert.ok(ms < 1000, `${Math.round(ms)} ms`);
    await expectError(res, 400, "Request parameter error: task w-fail failed");
  });

  test("when the wait ends first, the usual 400 says it has not finished", async () => {
    await record(writer, task("w-slow", "RUNNING"));
    const { value: res, ms } = await timed(waitFor(reader, "w-slow", 1));
    assert.ok(ms >= 990 && ms < 2500, `${Math.round(ms)} ms`);
    await expectError(res, 400, "Request parameter error: task w-slow has not finished (status RUNNING)");
  });

  test("an unknown task and another user's task are held exactly as long, then 404", async () => {
    await record(writer, task("w-bobs", "RUNNING", "bob"));
    const unknown = timed(waitFor(reader, "w-nobody", 2));
    const foreign = timed(waitFor(reader, "w-bobs", 2));
    await sleep(300);
    // Bob's task succeeding wakes alice's request, which must go on waiting.
    await record(writer, task("w-bobs", "SUCCEEDED", "bob"));
    for (const { value: res, ms } of [await unknown, await foreign]) {
      assert.ok(ms >= 1990 && ms < 3500, `${Math.round(ms)} ms`);
      await expectError(res, 404, "Task not found");
    }
  });

  test("a finished task answers at once, whatever the wait", async () => {
    await record(writer, task("w-done", "SUCCEEDED"));
    const { value: res, ms } = await timed(waitFor(reader, "w-done", 60));
    assert.equal(res.status, 200);
    assert.ok(ms < 1000, `${Math.round(ms)} ms`);
    await res.arrayBuffer();
  });

  test("wait outside 0–60 whole seconds is a 400 like expiresIn's", async () => {
    for (const [wait, message] of [
      ["61", "Request parameter error: wait must be at most 60 seconds"],
      ["-1", "Request parameter error: wait must be at least 0 seconds"],
      ["1.5", "Request parameter error: wait must be a whole number of seconds"],
      ["abc", "Request parameter error: wait must be a whole number of seconds"],
    ] as const) {
      await expectError(await waitFor(reader, "w-done", wait), 400, message);
    }
  });

  test("the tRPC face waits the same way", async () => {
    await record(writer, task("w-trpc", "RUNNING"));
    const input = encodeURIComponent(JSON.stringify({ taskId: "w-trpc", wait: 30 }));
    const waiting = fetch(`${reader.url}/trpc/analysisTask.getDownloadUrl?input=${input}`, {
      headers: { Authorization: `Bearer ${reader.token("alice")}` },
    });
    await sleep(300);
    await record(writer, task("w-trpc", "SUCCEEDED"));
    const { value: res, ms } = await timed(waiting);
    assert.equal(res.status, 200);
    assert.ok(ms < 1000, `${Math.round(ms)} ms`);
    const body = (await res.json()) as { result: { data: { data: { taskId: string } } } };
    assert.equal(body.result.data.data.taskId, "w-trpc");
  });
});

describe("bounds", () => {
  let bounded: TestServer;

  before(async () => {
    bounded = await startTestServer({ WAIT_MAX_PER_USER: "2", WAIT_MAX_PER_REPLICA: "3" });
    await record(bounded, task("b-run", "RUNNING"));
    await record(bounded, task("b-run-carol", "RUNNING", "carol"));
  });

  after(() => bounded?.close());

  test("beyond the per-user and per-replica bounds → 429 with Retry-After; a disconnect frees its slot at once", async () => {
    const gone = new AbortController();
    const first = waitFor(bounded, "b-run", 30, "alice", gone.signal).catch((error: unknown) => error);
    const second = waitFor(bounded, "b-run", 4, "alice");
    await sleep(200);
    const third = await waitFor(bounded, "b-run", 1, "alice");
    assert.equal(third.headers.get("retry-after"), "1");
    await expectError(third, 429, /^Too many requests/);

    // Another user still has room on the replica, up to its bound.
    const carol = waitFor(bounded, "b-run-carol", 4, "carol");
    await sleep(200);
    await expectError(await waitFor(bounded, "b-run-carol", 1, "carol"), 429, /^Too many requests/);

    // The client of the first request goes away: its slot is free within moments, long before its 30 s
    // (and before the other two end): the replica takes a new waiting request again.
    gone.abort();
    const abortedAt = performance.now();
    assert.ok((await first) instanceof Error);
    let again: Response;
    for (;;) {
      again = await waitFor(bounded, "b-run-carol", 1, "carol");
      if (again.status !== 429 || performance.now() - abortedAt > 1000) break;
      await again.arrayBuffer();
      await sleep(20);
    }
    await expectError(again, 400, /has not finished/);
    await expectError(await second, 400, /has not finished/);
    await expectError(await carol, 400, /has not finished/);
  });
});

describe("shutdown and fallback", () => {
  test("a shutdown answers every waiting request promptly with 503 and Retry-After, and exits within two seconds", async () => {
    const server = await startTestServer({ SHUTDOWN_TIMEOUT_MS: "30000" });
    await record(server, task("s-run", "RUNNING"));
    const waiting = [0, 1, 2].map(() => waitFor(server, "s-run", 60));
    await sleep(300);
    const { ms } = await timed(server.close());
    assert.ok(ms < 2000, `closed in ${Math.round(ms)} ms`);
    for (const res of await Promise.all(waiting)) {
      assert.equal(res.headers.get("retry-after"), "1");
      await expectError(res, 503, /^Service unavailable: shutting down/);
    }
  });

  test("without change notices (TASK_CACHE_LISTEN=false) a waiting request re-checks every WAIT_RECHECK_MS", async () => {
    const server = await startTestServer({
      TASK_CACHE_LISTEN: "false",
      TASK_CACHE_CAPACITY: "0",
      WAIT_RECHECK_MS: "300",
    });
    try {
      await record(server, task("p-run", "RUNNING"));
      const waiting = waitFor(server, "p-run", 30);
      await sleep(400);
      await record(server, task("p-run", "SUCCEEDED"));
      const { value: res, ms } = await timed(waiting);
      assert.equal(res.status, 200);
      assert.ok(ms < 1000, `${Math.round(ms)} ms after the task succeeded (re-check every 300 ms)`);
      await res.arrayBuffer();
    } finally {
      await server.close();
    }
  });

  test("200 waiting requests on a pool of 4 connections leave ordinary requests their speed", async () => {
    const server = await startTestServer({
      DATABASE_POOL_MAX: "4",
      TASK_CACHE_CAPACITY: "0",
      WAIT_MAX_PER_USER: "1000",
    });
    try {
      await listening(server);
      await record(server, task("m-run", "RUNNING"));
      await record(server, task("m-done", "SUCCEEDED", "dave"));
      const waiting = Array.from({ length: 200 }, () => waitFor(server, "m-run", 30));
      await sleep(1000); // all of them are waiting now, none holds a connection

      const latencies: number[] = [];
      for (let i = 0; i < 40; i++) {
        const { value: res, ms } = await timed(waitFor(server, "m-done", 0, "dave"));
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        latencies.push(ms);
      }
      latencies.sort((a, b) => a - b);
      const slowest = latencies.at(-1) ?? 0;
      assert.ok(slowest < 500, `slowest ordinary request ${Math.round(slowest)} ms while 200 wait`);

      await record(server, task("m-run", "SUCCEEDED"));
      const answers = await Promise.all(waiting);
      assert.deepEqual(new Set(answers.map((res) => res.status)), new Set([200]));
      await Promise.all(answers.map((res) => res.arrayBuffer()));
    } finally {
      await server.close();
    }
  });
});
