import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@taskdl/testing";
import { bytes, listDir, recordTask, runTaskdl, sha256, tempDir, type TaskFile } from "./_cli_test_kit.ts";
import { EXIT } from "./exit_codes.ts";
import type { PullSummary } from "./pull_task.ts";

// The service's links go through a proxy, so the test counts the bytes that really cross the wire.
let proxy: TcpProxy;
let server: TestServer;
let env: Record<string, string>;

const FILES: TaskFile[] = [
  { name: "ndvi_result.tif", content: bytes(3 * 1024 * 1024 + 17, 1) },
  { name: "analysis report.pdf", content: bytes(150_000, 2) },
  { name: "Übersicht – 日本語.csv", content: "a,b\n1,2\n" },
  { name: `it's "quoted".txt`, content: "quotes" },
  { name: "empty.bin", content: "" },
  { name: "tile 2.tif", content: bytes(1024 * 1024, 3) },
];

before(async () => {
  proxy = await startTcpProxy(0);
  server = await startTestServer({ PUBLIC_BASE_URL: proxy.url });
  proxy.targetPort = Number(new URL(server.url).port);
  env = { TASKDL_URL: server.url, TASKDL_TOKEN: server.token("alice") };
  await recordTask(server, "pull-local", FILES);
  await recordTask(server, "pull-legacy", [
    { name: "old.tif", content: bytes(5000, 4), noSha256: true },
    { name: "new.tif", content: bytes(6000, 5) },
  ]);
});
after(async () => {
  await server.close();
  await proxy.close();
});

function assertPulled(dir: string, files: TaskFile[]): void {
  assert.deepEqual(listDir(dir), files.map((file) => file.name).sort(), "the files and nothing else");
  for (const file of files) {
    assert.equal(sha256(readFileSync(join(dir, file.name))), sha256(file.content), file.name);
  }
}

describe("taskdl pull on local storage", () => {
  test("downloads every output into ./<taskId>/, verified, with names of any script, spaces and quotes", async () => {
    const cwd = tempDir();
    proxy.resetCounters();
    const run = await runTaskdl(["pull", "pull-local"], { env, cwd });
    assert.equal(run.status, EXIT.ok, run.stderr);
    assertPulled(join(cwd, "pull-local"), FILES);
    const total = FILES.reduce((sum, file) => sum + file.content.length, 0);
    assert.ok(proxy.bytesToClients >= total && proxy.bytesToClients < total + 10_000, String(proxy.bytesToClients));
    // Off a terminal: a plain line per file and a summary; no carriage return, no escape sequence.
    // deno-lint-ignore no-control-regex -- finding control characters is the point
    assert.doesNotMatch(run.stderr, /[\r\u001b]/);
    assert.match(run.stderr, /^verified {2}ndvi_result\.tif \(3\.00 MiB, 3\.00 MiB transferred\)$/m);
    assert.match(run.stderr, /^verified {2}Übersicht – 日本語\.csv \(8 B, 8 B transferred\)$/m);
    assert.match(run.stderr, /^done: 6 files in pull-local, 6 downloaded and verified, 0 already there, 0 failed; /m);
    assert.equal(run.stdout, "");
  });

  test("--json prints one summary: each file's path, size, SHA-256, status, bytes; the totals", async () => {
    const dir = join(tempDir(), "out");
    const run = await runTaskdl(["pull", "pull-local", "--out", dir, "--json", "--parallel", "2"], { env });
    assert.equal(run.status, EXIT.ok, run.stderr);
    const summary = JSON.parse(run.stdout) as PullSummary;
    assert.deepEqual(
      summary.files.map(({ path, size, sha256: digest, expectedSha256, status, bytesTransferred }) => ({
        path,
        size,
        digest,
        expectedSha256,
        status,
        bytesTransferred,
      })),
      FILES.map((file) => ({
        path: join(dir, file.name),
        size: file.content.length,
        digest: sha256(file.content),
        expectedSha256: sha256(file.content),
        status: "verified",
        bytesTransferred: file.content.length,
      })),
    );
    const total = FILES.reduce((sum, file) => sum + file.content.length, 0);
    assert.equal(summary.taskId, "pull-local");
    assert.equal(summary.totals.files, 6);
    assert.equal(summary.totals.verified, 6);
    assert.equal(summary.totals.failed, 0);
    assert.equal(summary.totals.size, total);
    assert.equal(summary.totals.bytesTransferred, total);
    assertPulled(dir, FILES);
  });

  test("a rerun of a complete folder transfers nothing; a changed file under its name is hashed and replaced", async () => {
    const dir = tempDir();
    assert.equal((await runTaskdl(["pull", "pull-local", "--out", dir], { env })).status, EXIT.ok);
    proxy.resetCounters();
    const again = await runTaskdl(["pull", "pull-local", "--out", dir, "--json"], { env });
    assert.equal(again.status, EXIT.ok, again.stderr);
    assert.equal(proxy.bytesToClients, 0, "not a byte of a file crossed the wire");
    const summary = JSON.parse(again.stdout) as PullSummary;
    assert.deepEqual(new Set(summary.files.map((file) => file.status)), new Set(["skipped"]));
    assert.equal(summary.totals.skipped, 6);
    assert.equal(summary.totals.bytesTransferred, 0);

    // Same size, other bytes, an mtime that says nothing: only the hash tells, and the file is fetched again.
    const tile = FILES[5] as TaskFile;
    writeFileSync(join(dir, tile.name), bytes(tile.content.length, 99));
    proxy.resetCounters();
    const fixed = await runTaskdl(["pull", "pull-local", "--out", dir, "--json"], { env });
    assert.equal(fixed.status, EXIT.ok, fixed.stderr);
    const statuses = (JSON.parse(fixed.stdout) as PullSummary).files.map((file) => file.status);
    assert.deepEqual(statuses, ["skipped", "skipped", "skipped", "skipped", "skipped", "verified"]);
    assert.ok(proxy.bytesToClients >= tile.content.length && proxy.bytesToClients < tile.content.length + 2000);
    assertPulled(dir, FILES);
  });

  test("files download in parallel, as many at once as --parallel says", async () => {
    for (const parallel of [1, 3]) {
      proxy.resetCounters();
      const run = await runTaskdl(["pull", "pull-local", "--out", tempDir(), "--parallel", String(parallel)], { env });
      assert.equal(run.status, EXIT.ok, run.stderr);
      assert.equal(proxy.peakOpen, parallel, `--parallel ${parallel}`);
    }
  });

  test("a record without a SHA-256 is checked by its size only, and the summary says so", async () => {
    const dir = tempDir();
    const run = await runTaskdl(["pull", "pull-legacy", "--out", dir, "--json"], { env });
    assert.equal(run.status, EXIT.ok, run.stderr);
    const summary = JSON.parse(run.stdout) as PullSummary;
    assert.deepEqual(
      summary.files.map((file) => [file.status, file.expectedSha256 === null]),
      [
        ["verified-size-only", true],
        ["verified", false],
      ],
    );
    assert.equal(summary.totals.verifiedSizeOnly, 1);
    assert.match(run.stderr, /^verified-size-only old\.tif/m);
    assert.match(run.stderr, /1 checked by size only \(the service gave no SHA-256\)/);
    const rerun = JSON.parse(
      (await runTaskdl(["pull", "pull-legacy", "--out", dir, "--json"], { env })).stdout,
    ) as PullSummary;
    assert.deepEqual(
      rerun.files.map((file) => file.status),
      ["skipped-size-only", "skipped"],
    );
  });

  test("an --out that is a file, not a folder, is a usage error with the reason", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "taken"), "x");
    const run = await runTaskdl(["pull", "pull-local", "--out", join(dir, "taken", "sub")], { env });
    assert.equal(run.status, EXIT.usage);
    assert.match(run.stderr, /^taskdl: Cannot use the folder ".*taken\/sub": (EEXIST|ENOTDIR)$/m);
    mkdirSync(join(dir, "free"));
    assert.equal((await runTaskdl(["pull", "pull-local", "--out", join(dir, "free")], { env })).status, EXIT.ok);
  });
});

describe("file names from the API are untrusted", () => {
  // A hostile stand-in for the API (the real service refuses to record these names): each name's link serves bytes.
  const NAMES = [
    "../escaped.txt",
    "/tmp/absolute.txt",
    "sub/dir.txt",
    "back\\slash.txt",
    "nul\u0000byte",
    "CON",
    "aux.tif",
    "dots.",
    "ok.txt",
    "ok.txt",
  ];
  const BODY = "hostile bytes";
  const hostile = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/files") {
      res.end(BODY);
      return;
    }
    const { port } = hostile.address() as AddressInfo;
    const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
    const downloadUrls = NAMES.map((fileName, i) => ({
      fileName,
      downloadUrl: `http://127.0.0.1:${port}/files?n=${i}`,
      fileSize: BODY.length,
      expiresAt,
      sha256: sha256(BODY),
    }));
    res.setHeader("Content-Type", "application/json");
    res.end(
      JSON.stringify({
        code: 200,
        message: "success",
        data: { taskId: "evil", downloadUrls, totalSize: BODY.length * NAMES.length },
      }),
    );
  });
  before(() => new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve)));
  after(() => new Promise<void>((resolve) => hostile.close(() => resolve())));

  test("a name that would leave the folder, or a device or NUL name, is refused and never written: exit 1", async () => {
    const parent = tempDir();
    const dir = join(parent, "evil");
    const { port } = hostile.address() as AddressInfo;
    const run = await runTaskdl(["pull", "evil", "--json"], {
      cwd: parent,
      env: { TASKDL_URL: `http://127.0.0.1:${port}`, TASKDL_TOKEN: "t0ken" },
    });
    assert.equal(run.status, EXIT.failed, run.stderr);
    assert.deepEqual(listDir(parent), ["evil"], "nothing beside the folder");
    assert.deepEqual(listDir(dir), ["ok.txt"], "only the safe name, once");
    assert.ok(!existsSync("/tmp/absolute.txt"));
    assert.ok(!readdirSync(join(parent, "..")).includes("escaped.txt"));
    const summary = JSON.parse(run.stdout) as PullSummary;
    assert.deepEqual(
      summary.files.map((file) => file.status),
      ["refused", "refused", "refused", "refused", "refused", "refused", "refused", "refused", "verified", "refused"],
    );
    for (const [name, reason] of [
      ['"../escaped.txt"', "contains a path separator"],
      ['"/tmp/absolute.txt"', "contains a path separator"],
      ['"nul\\u0000byte"', "contains a NUL byte"],
      ['"CON"', "is a reserved device name on Windows"],
      ['"aux.tif"', "is a reserved device name on Windows"],
      ['"dots."', "ends with a dot or a space"],
      ['"ok.txt"', "is listed twice"],
    ]) {
      assert.ok(run.stderr.includes(`Refusing the file name ${name}: it ${reason}`), `${name}: ${run.stderr}`);
    }
  });

  test("taskdl urls leaves refused names out of every export, exit 1", async () => {
    const { port } = hostile.address() as AddressInfo;
    const env = { TASKDL_URL: `http://127.0.0.1:${port}`, TASKDL_TOKEN: "t0ken" };
    for (const format of ["aria2", "sha256sum", "curl", "json"]) {
      const run = await runTaskdl(["urls", "evil", "--format", format], { env });
      assert.equal(run.status, EXIT.failed, format);
      assert.doesNotMatch(run.stdout, /escaped|absolute|CON|aux|dots|nul/, format);
      assert.match(run.stdout, /ok\.txt/, format);
    }
  });
});
