// taskdl urls as other tools read it: aria2c downloads and verifies from the aria2 export, sha256sum -c checks
// the sha256sum list, curl -K fetches from the curl config — the real tools, against the real service.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { DownloadUrlResp } from "@taskdl/contract";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { bytes, listDir, recordTask, runTaskdl, sha256, tempDir, type TaskFile } from "./_cli_test_kit.ts";
import { EXIT } from "./exit_codes.ts";

const has = (tool: string) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0;
const FILES: TaskFile[] = [
  { name: "ndvi_result.tif", content: bytes(1_500_000, 41) },
  { name: `it's "quoted" – Über.csv`, content: "a,b\n1,2\n" },
  { name: "with space.pdf", content: bytes(33_333, 42) },
];

let server: TestServer;
let env: Record<string, string>;
before(async () => {
  server = await startTestServer();
  env = { TASKDL_URL: server.url, TASKDL_TOKEN: server.token("alice") };
  await recordTask(server, "urls", FILES);
  await recordTask(server, "urls-tampered", [{ name: "tampered.bin", content: bytes(10_000, 43) }]);
  await server.putObject("runs/urls-tampered/0", bytes(10_000, 44));
  await recordTask(server, "urls-legacy", [
    { name: "old.bin", content: "old", noSha256: true },
    { name: "new.bin", content: "new" },
  ]);
});
after(() => server.close());

/** The export of a format, written to a file; stderr must hold no link. */
async function exportUrls(taskId: string, format: string): Promise<{ file: string; text: string; stderr: string }> {
  const run = await runTaskdl(["urls", taskId, "--format", format], { env });
  assert.equal(run.status, EXIT.ok, run.stderr);
  assert.doesNotMatch(run.stderr, /http|sig=/, "links only on stdout");
  const file = join(tempDir(), `links.${format}`);
  writeFileSync(file, run.stdout);
  return { file, text: run.stdout, stderr: run.stderr };
}

/** Runs a tool without blocking this process, which serves the links. */
const tool = (command: string, args: string[], cwd?: string) =>
  runTaskdl(args, { command: [command], ...(cwd === undefined ? {} : { cwd }) });

function assertFiles(dir: string): void {
  assert.deepEqual(listDir(dir), FILES.map((file) => file.name).sort());
  for (const file of FILES) assert.equal(sha256(readFileSync(join(dir, file.name))), sha256(file.content), file.name);
}

describe("taskdl urls", () => {
  test("--format json (the default) is the API's answer", async () => {
    const run = await runTaskdl(["urls", "urls"], { env });
    assert.equal(run.status, EXIT.ok, run.stderr);
    const answer = JSON.parse(run.stdout) as DownloadUrlResp;
    assert.equal(answer.taskId, "urls");
    assert.deepEqual(
      answer.downloadUrls.map((file) => [file.fileName, file.fileSize, file.sha256]),
      FILES.map((file) => [file.name, file.content.length, sha256(file.content)]),
    );
    assert.match(answer.downloadUrls[0]?.downloadUrl ?? "", /^http:\/\/127\.0\.0\.1:\d+\/files\//);
  });

  test(
    "--format aria2: aria2c -i downloads every file and verifies its checksum",
    { skip: !has("aria2c") },
    async () => {
      const { file, text } = await exportUrls("urls", "aria2");
      assert.match(text, new RegExp(`^  checksum=sha-256=${sha256(FILES[0]?.content ?? "")}$`, "m"));
      const dir = tempDir();
      const aria2 = await tool("aria2c", [
        "-i",
        file,
        "-d",
        dir,
        "-j",
        "4",
        "--console-log-level=warn",
        "--summary-interval=0",
      ]);
      assert.equal(aria2.status, 0, aria2.stdout + aria2.stderr);
      assertFiles(dir);

      // The checksum line is really checked: a tampered object fails aria2c.
      const tampered = await exportUrls("urls-tampered", "aria2");
      const bad = await tool("aria2c", [
        "-i",
        tampered.file,
        "-d",
        tempDir(),
        "--console-log-level=warn",
        "--summary-interval=0",
      ]);
      assert.notEqual(bad.status, 0, "aria2c refuses a file whose SHA-256 differs");
    },
  );

  test("--format sha256sum: sha256sum -c checks the files in the folder", { skip: !has("sha256sum") }, async () => {
    const { file } = await exportUrls("urls", "sha256sum");
    const dir = tempDir();
    assert.equal((await runTaskdl(["pull", "urls", "--out", dir, "--quiet"], { env })).status, EXIT.ok);
    const ok = await tool("sha256sum", ["-c", file], dir);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal((ok.stdout.match(/: OK$/gm) ?? []).length, 3);
    writeFileSync(join(dir, "with space.pdf"), bytes(33_333, 45));
    const bad = await tool("sha256sum", ["-c", file], dir);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /^with space\.pdf: FAILED$/m);
  });

  test("--format curl: curl -K fetches every file under its name", { skip: !has("curl") }, async () => {
    const { file } = await exportUrls("urls", "curl");
    const dir = tempDir();
    const curl = await tool("curl", ["-sS", "-K", file], dir);
    assert.equal(curl.status, 0, curl.stderr);
    assertFiles(dir);
  });

  test("files without a SHA-256 are checked by size only by aria2c and left out of the sha256sum list, said so", async () => {
    const aria2 = await exportUrls("urls-legacy", "aria2");
    assert.equal((aria2.text.match(/checksum=/g) ?? []).length, 1);
    assert.match(
      aria2.stderr,
      /No SHA-256 from the service for 1 file\(s\); aria2c checks only their size: "old\.bin"/,
    );
    const list = await exportUrls("urls-legacy", "sha256sum");
    assert.equal(list.text, `${sha256("new")}  new.bin\n`);
    assert.match(list.stderr, /left out of the list: "old\.bin"/);
  });
});
