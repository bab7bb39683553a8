// taskdl pull against the real object-store emulators: presigned S3 links (s3rver checks SigV4 and expiry)
// and Azure SAS links (Azurite), each pulled whole and resumed from a partial file.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startAzureEmulator, startS3Emulator, startTestServer, type TestServer, type TestStore } from "@taskdl/testing";
import { bytes, listDir, recordTask, runTaskdl, sha256, tempDir, type TaskFile } from "./_cli_test_kit.ts";
import { partialPaths } from "./download_file.ts";
import { EXIT } from "./exit_codes.ts";
import type { PullSummary } from "./pull_task.ts";

const FILES: TaskFile[] = [
  { name: "ndvi_result.tif", content: bytes(2 * 1024 * 1024 + 3, 21) },
  { name: "Bericht – größer.pdf", content: bytes(70_000, 22) },
  { name: "empty.txt", content: "" },
];

for (const [name, startStore] of [
  ["S3 (s3rver)", () => startS3Emulator()],
  ["Azure (Azurite)", () => startAzureEmulator()],
] as const) {
  describe(`taskdl pull on ${name}`, () => {
    let store: TestStore;
    let server: TestServer;
    let env: Record<string, string>;
    before(async () => {
      store = await startStore();
      server = await startTestServer({}, { store });
      env = { TASKDL_URL: server.url, TASKDL_TOKEN: server.token("alice") };
      await recordTask(server, "stores", FILES);
    });
    after(async () => {
      await server.close();
      await store.close();
    });

    test("every file pulled and verified; a rerun skips them all", async () => {
      const dir = tempDir();
      const run = await runTaskdl(["pull", "stores", "--out", dir, "--json"], { env });
      assert.equal(run.status, EXIT.ok, run.stderr);
      const summary = JSON.parse(run.stdout) as PullSummary;
      assert.deepEqual(
        summary.files.map((file) => [file.status, file.sha256]),
        FILES.map((file) => ["verified", sha256(file.content)]),
      );
      assert.deepEqual(listDir(dir), FILES.map((file) => file.name).sort());
      for (const file of FILES) assert.equal(sha256(readFileSync(join(dir, file.name))), sha256(file.content));
      const rerun = JSON.parse(
        (await runTaskdl(["pull", "stores", "--out", dir, "--json"], { env })).stdout,
      ) as PullSummary;
      assert.equal(rerun.totals.skipped, 3);
      assert.equal(rerun.totals.bytesTransferred, 0);
    });

    test("a partial file left by an earlier run is continued with a Range request", async () => {
      const dir = tempDir();
      const big = FILES[0] as TaskFile;
      const half = 1024 * 1024 + 1;
      writeFileSync(partialPaths(dir, big.name).partial, (big.content as Uint8Array).subarray(0, half));
      const run = await runTaskdl(["pull", "stores", "--out", dir, "--json"], { env });
      assert.equal(run.status, EXIT.ok, run.stderr);
      const summary = JSON.parse(run.stdout) as PullSummary;
      assert.equal(summary.files[0]?.bytesTransferred, big.content.length - half);
      assert.equal(sha256(readFileSync(join(dir, big.name))), sha256(big.content));
      assert.deepEqual(listDir(dir), FILES.map((file) => file.name).sort());
    });
  });
}
