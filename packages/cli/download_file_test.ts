import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startTcpProxy, startTestServer, type TcpProxy, type TcpProxyPlan, type TestServer } from "@taskdl/testing";
import { bytes, listDir, recordTask, runTaskdl, sha256, tempDir, type TaskFile } from "./_cli_test_kit.ts";
import { partialPaths } from "./download_file.ts";
import { EXIT } from "./exit_codes.ts";
import type { PullSummary } from "./pull_task.ts";

/** A service whose links go through a proxy with a plan that the test changes as it goes. */
interface Setup {
  server: TestServer;
  proxy: TcpProxy;
  env: Record<string, string>;
  plan: (connection: number) => TcpProxyPlan;
}

async function setup(serviceEnv: Record<string, string> = {}): Promise<Setup> {
  const state = { plan: (): TcpProxyPlan => ({ kind: "forward" }) } as unknown as Setup;
  state.proxy = await startTcpProxy(0, { plan: (n) => state.plan(n) });
  state.server = await startTestServer({ PUBLIC_BASE_URL: state.proxy.url, ...serviceEnv });
  state.proxy.targetPort = Number(new URL(state.server.url).port);
  state.env = { TASKDL_URL: state.server.url, TASKDL_TOKEN: state.server.token("alice") };
  return state;
}

async function teardown(state: Setup): Promise<void> {
  await state.server.close();
  await state.proxy.close();
}

const storedPath = (state: Setup, key: string) => {
  const storage = state.server.config.storage;
  if (storage.driver !== "local") throw new Error("local storage only");
  return join(storage.root, key);
};

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const summaryOf = (stdout: string) => JSON.parse(stdout) as PullSummary;
const BIG: TaskFile = { name: "scene 01 – ß.tif", content: bytes(8 * 1024 * 1024, 7) };
const SMALL: TaskFile = { name: "report.pdf", content: bytes(40_000, 8) };

describe("resume after a kill", () => {
  let state: Setup;
  before(async () => {
    state = await setup();
    await recordTask(state.server, "resume", [SMALL, BIG]);
  });
  after(() => teardown(state));

  /** Starts a pull, lets `stallAt` bytes of the big file through, waits for them on disk, and SIGKILLs it. */
  async function killMidFile(dir: string, stallAt: number): Promise<number> {
    const { partial } = partialPaths(dir, BIG.name);
    state.plan = () => ({ kind: "forward", stallAfterBytes: stallAt });
    let child: ChildProcess | undefined;
    const run = runTaskdl(["pull", "resume", "--out", dir, "--parallel", "1"], {
      env: state.env,
      onSpawn: (spawned) => (child = spawned),
    });
    // The small file comes first and whole (its connection ends before the stall); then the big one stalls.
    const size = () => (existsSync(partial) ? statSync(partial).size : 0);
    await until(() => size() > stallAt - 100_000, "the partial file to fill up to the stall");
    await new Promise((resolve) => setTimeout(resolve, 200));
    child?.kill("SIGKILL");
    const killed = await run;
    assert.equal(killed.signal, "SIGKILL");
    state.plan = () => ({ kind: "forward" });
    return size();
  }

  test("a rerun after SIGKILL mid-file transfers only the missing bytes, with Range and If-Range", async () => {
    const dir = tempDir();
    const onDisk = await killMidFile(dir, 3 * 1024 * 1024);
    assert.ok(onDisk > 2 * 1024 * 1024 && onDisk < BIG.content.length, String(onDisk));
    assert.ok(!existsSync(join(dir, BIG.name)), "no final file for an unfinished one");
    assert.equal(sha256(readFileSync(join(dir, SMALL.name))), sha256(SMALL.content), "the finished file is in place");

    state.proxy.resetCounters();
    const rerun = await runTaskdl(["pull", "resume", "--out", dir, "--json"], { env: state.env });
    assert.equal(rerun.status, EXIT.ok, rerun.stderr);
    const missing = BIG.content.length - onDisk;
    const summary = summaryOf(rerun.stdout);
    assert.deepEqual(
      summary.files.map((file) => [file.status, file.bytesTransferred]),
      [
        ["skipped", 0],
        ["verified", missing],
      ],
    );
    assert.ok(state.proxy.bytesToClients >= missing && state.proxy.bytesToClients < missing + 2000, "on the wire too");
    assert.equal(sha256(readFileSync(join(dir, BIG.name))), sha256(BIG.content));
    assert.deepEqual(listDir(dir), [BIG.name, SMALL.name].sort(), "no partial file, no metadata left");
  });

  test("a partial file whose object changed since (If-Range does not match) starts over: 200", async () => {
    const dir = tempDir();
    await killMidFile(dir, 2 * 1024 * 1024);
    // Same bytes written again: a new mtime, so a new ETag; the partial file can no longer be trusted to match.
    const stored = storedPath(state, "runs/resume/1");
    utimesSync(stored, new Date(), new Date(Date.now() + 5000));
    const rerun = await runTaskdl(["pull", "resume", "--out", dir, "--json"], { env: state.env });
    assert.equal(rerun.status, EXIT.ok, rerun.stderr);
    assert.equal(summaryOf(rerun.stdout).files[1]?.bytesTransferred, BIG.content.length, "the whole file again");
    assert.match(rerun.stderr, /sent "scene 01 – ß\.tif" whole .*starting it over/);
    assert.equal(sha256(readFileSync(join(dir, BIG.name))), sha256(BIG.content));
  });

  test("a partial file holding every byte (a crash before the rename) is verified and renamed, no transfer", async () => {
    const dir = tempDir();
    assert.equal((await runTaskdl(["pull", "resume", "--out", dir], { env: state.env })).status, EXIT.ok);
    const { partial } = partialPaths(dir, BIG.name);
    writeFileSync(partial, readFileSync(join(dir, BIG.name)));
    writeFileSync(join(dir, BIG.name), "");
    state.proxy.resetCounters();
    const rerun = await runTaskdl(["pull", "resume", "--out", dir, "--json"], { env: state.env });
    assert.equal(rerun.status, EXIT.ok, rerun.stderr);
    assert.equal(state.proxy.bytesToClients, 0);
    assert.equal(summaryOf(rerun.stdout).files[1]?.status, "verified");
    assert.deepEqual(listDir(dir), [BIG.name, SMALL.name].sort());
  });
});

describe("links that expire in a second, connections that break", () => {
  let state: Setup;
  before(async () => {
    state = await setup({ DOWNLOAD_URL_TTL: "1" });
    await recordTask(state.server, "remint", [BIG, SMALL]);
  });
  after(() => teardown(state));

  test("links are minted again and every file completes, each byte fetched once", async () => {
    // Every connection to a link waits 400 ms and is cut after 1 MiB: the 8 MiB file outlives many links.
    state.plan = () => ({ kind: "forward", delayMs: 400, cutAfterBytes: 1024 * 1024 });
    const dir = tempDir();
    const run = await runTaskdl(["pull", "remint", "--out", dir, "--json"], { env: state.env });
    assert.equal(run.status, EXIT.ok, run.stderr);
    const summary = summaryOf(run.stdout);
    assert.ok(summary.totals.linkRefreshes >= 2, `re-minted ${summary.totals.linkRefreshes} times`);
    assert.ok(state.proxy.cuts >= 8, `${state.proxy.cuts} cuts`);
    assert.equal(summary.totals.bytesTransferred, BIG.content.length + SMALL.content.length, "resumed, not restarted");
    assert.equal(sha256(readFileSync(join(dir, BIG.name))), sha256(BIG.content));
    assert.equal(sha256(readFileSync(join(dir, SMALL.name))), sha256(SMALL.content));
    assert.match(run.stderr, /the connection broke/);
    assert.doesNotMatch(run.stderr, /sig=|exp=|eyJ/, "no link or token in the messages");
    assert.deepEqual(listDir(dir), [BIG.name, SMALL.name].sort());
  });
});

describe("503s and checksums", () => {
  let state: Setup;
  let apiProxy: TcpProxy;
  const unavailable = (retryAfter: string): TcpProxyPlan => {
    const body = JSON.stringify({ code: 503, message: "Service unavailable", data: null });
    return {
      kind: "reply",
      data: `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${retryAfter}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    };
  };
  before(async () => {
    state = await setup();
    await recordTask(state.server, "busy", [SMALL, { name: "b.bin", content: bytes(300_000, 9) }]);
    await recordTask(state.server, "changed", [SMALL, { name: "tampered.bin", content: bytes(100_000, 10) }]);
    await recordTask(state.server, "shrunk", [{ name: "shrunk.bin", content: bytes(300_000, 12) }]);
    let apiPlan: (n: number) => TcpProxyPlan = () => ({ kind: "forward" });
    apiProxy = await startTcpProxy(Number(new URL(state.server.url).port), { plan: (n) => apiPlan(n) });
    state.plan = (n) => (n < 3 ? unavailable("1") : { kind: "forward" });
    apiPlan = (n) => (n < 2 ? unavailable("1") : { kind: "forward" });
  });
  after(async () => {
    await apiProxy.close();
    await teardown(state);
  });

  test("503 bursts from the API and from the store are retried, honouring Retry-After", async () => {
    const dir = tempDir();
    const started = Date.now();
    const run = await runTaskdl(["pull", "busy", "--out", dir, "--parallel", "1"], {
      env: { ...state.env, TASKDL_URL: apiProxy.url },
    });
    assert.equal(run.status, EXIT.ok, run.stderr);
    assert.equal(
      (run.stderr.match(/The service answered 503: Service unavailable; retrying in 1\.0 s/g) ?? []).length,
      2,
    );
    assert.equal((run.stderr.match(/HTTP 503; retrying in 1\.0 s/g) ?? []).length, 3);
    assert.ok(Date.now() - started >= 5000, "it waited as Retry-After said");
    assert.deepEqual(listDir(dir), ["b.bin", SMALL.name].sort());
  });

  test("a store that keeps answering 503 fails the file after a bounded number of retries: exit 1", async () => {
    state.plan = () => unavailable("0");
    try {
      const dir = tempDir();
      const run = await runTaskdl(["pull", "busy", "--out", dir], { env: state.env });
      assert.equal(run.status, EXIT.failed);
      assert.match(run.stderr, /^failed {4}report\.pdf: cannot download "report\.pdf": HTTP 503, 5 retries spent$/m);
      assert.match(run.stderr, /^FAILED: 2 files in .*, 0 downloaded and verified, 0 already there, 2 failed/m);
      assert.deepEqual(listDir(dir), [], "no final file, no partial file");
    } finally {
      state.plan = () => ({ kind: "forward" });
    }
  });

  test("bytes changed in storage after ingest (same size): SHA-256 mismatch, retried once, exit 1, no final file", async () => {
    const stored = storedPath(state, "runs/changed/1");
    const original = bytes(100_000, 10);
    const altered = bytes(100_000, 11);
    writeFileSync(stored, altered);
    const dir = tempDir();
    state.proxy.resetCounters();
    const run = await runTaskdl(["pull", "changed", "--out", dir, "--json"], { env: state.env });
    assert.equal(run.status, EXIT.failed);
    const message = `SHA-256 mismatch for "tampered.bin": expected ${sha256(original)}, got ${sha256(altered)}`;
    assert.match(run.stderr, new RegExp(`^${message}; downloading it once more from the start$`, "m"));
    assert.match(run.stderr, new RegExp(`^failed {4}tampered\\.bin: ${message}$`, "m"));
    const summary = summaryOf(run.stdout);
    assert.deepEqual(
      summary.files.map((file) => file.status),
      ["verified", "failed"],
    );
    assert.equal(summary.files[1]?.bytesTransferred, 200_000, "twice: once more from scratch, then no more");
    assert.deepEqual(listDir(dir), [SMALL.name], "no final file and no partial file for the mismatch");
  });

  test("an object that shrank in storage: the range is refused (416), the file starts over, and fails as a size mismatch", async () => {
    const dir = tempDir();
    writeFileSync(partialPaths(dir, "shrunk.bin").partial, bytes(300_000, 12).subarray(0, 200_000));
    writeFileSync(storedPath(state, "runs/shrunk/0"), bytes(300_000, 12).subarray(0, 100_000));
    const run = await runTaskdl(["pull", "shrunk", "--out", dir], { env: state.env });
    assert.equal(run.status, EXIT.failed);
    assert.match(run.stderr, /the store refused the range of "shrunk\.bin"; starting it over/);
    assert.match(
      run.stderr,
      /^failed {4}shrunk\.bin: size mismatch for "shrunk\.bin": expected 300000 bytes, the store sends 100000$/m,
    );
    assert.deepEqual(listDir(dir), [], "no final file, no partial file");
  });
});
