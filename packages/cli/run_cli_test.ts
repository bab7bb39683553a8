import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { recordTask, runTaskdl, sha256, tempDir } from "./_cli_test_kit.ts";
import { EXIT } from "./exit_codes.ts";

let server: TestServer;
let token: string;
const env = () => ({ TASKDL_URL: server.url, TASKDL_TOKEN: token });

before(async () => {
  server = await startTestServer();
  token = server.token("alice");
  await recordTask(server, "cli-ls", [
    { name: "ndvi_result.tif", content: "tiff bytes" },
    { name: "analysis report.pdf", content: "pdf bytes, a little longer" },
    { name: "legacy.csv", content: "a,b\n1,2\n", noSha256: true },
  ]);
  for (const [taskId, status] of [
    ["cli-running", "RUNNING"],
    ["cli-failed", "FAILED"],
  ] as const) {
    const res = await server.putTask({ taskId, ownerId: "alice", status, outputs: [] });
    assert.equal(res.status, 200);
  }
});
after(() => server.close());

/** The token and the signed links never appear in what a person reads. */
function assertNoSecrets(text: string): void {
  assert.ok(!text.includes(token), "the token is not printed");
  assert.doesNotMatch(text, /sig=|X-Amz-Signature|eyJ/);
}

describe("usage and configuration (exit 2)", () => {
  test("--help prints the usage and the exit codes on stdout, exit 0; no command is a usage error", async () => {
    const help = await runTaskdl(["--help"]);
    assert.equal(help.status, EXIT.ok);
    assert.match(help.stdout, /^Usage: taskdl <command>/);
    assert.match(help.stdout, /Exit codes: 0 every file verified; 1 some file failed; 2 usage/);
    assert.equal((await runTaskdl(["pull", "--help"])).status, EXIT.ok);
    const none = await runTaskdl([]);
    assert.equal(none.status, EXIT.usage);
    assert.match(none.stderr, /^Usage:/);
  });

  test("an unknown command, an unknown flag, a missing or bad task id, a bad number: exit 2 with the reason", async () => {
    const cases: [string[], RegExp][] = [
      [["fetch", "1"], /Unknown command "fetch"/],
      [["ls", "1", "--colour"], /Unknown option '--colour'/],
      [["ls"], /takes one task id \(got 0\)/],
      [["ls", "a", "b"], /takes one task id \(got 2\)/],
      [["ls", "../etc"], /Cannot use the task id "\.\.\/etc"/],
      [["pull", "1", "--parallel", "0"], /Cannot read --parallel "0": must be a whole number from 1 to 64/],
      [["pull", "1", "--parallel", "four"], /--parallel "four"/],
      [["urls", "cli-ls", "--format", "wget"], /Cannot use --format "wget": use json, aria2, sha256sum, curl/],
    ];
    for (const [args, message] of cases) {
      const run = await runTaskdl(args, { env: env() });
      assert.equal(run.status, EXIT.usage, args.join(" "));
      assert.match(run.stderr, message, args.join(" "));
    }
  });

  test("no token, two token sources, an empty or missing token file, a bad URL: exit 2", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "empty"), "\n");
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ["ls", "cli-ls"],
        { TASKDL_URL: server.url },
        /No token: pass --token-file FILE or --token TOKEN, or set TASKDL_TOKEN/,
      ],
      [["ls", "cli-ls", "--token", "x", "--token-file", join(dir, "t")], {}, /both --token and --token-file/],
      [["ls", "cli-ls", "--token-file", join(dir, "missing")], {}, /Cannot read the token file .*: ENOENT/],
      [["ls", "cli-ls", "--token-file", join(dir, "empty")], {}, /it is empty/],
      [["ls", "cli-ls", "--url", "ftp://host"], { TASKDL_TOKEN: token }, /must be http or https/],
      [["ls", "cli-ls", "--url", "not a url"], { TASKDL_TOKEN: token }, /not a URL/],
    ];
    for (const [args, extra, message] of cases) {
      const run = await runTaskdl(args, { env: extra });
      assert.equal(run.status, EXIT.usage, args.join(" "));
      assert.match(run.stderr, message);
      assertNoSecrets(run.stderr);
    }
  });

  test("a lifetime the service refuses is a usage error with the envelope's message", async () => {
    const run = await runTaskdl(["ls", "cli-ls", "--expires-in", "5"], { env: env() });
    assert.equal(run.status, EXIT.usage);
    assert.match(run.stderr, /^taskdl: Request parameter error: .*expiresIn/m);
  });
});

describe("answers of the service as exit codes", () => {
  test("401 → 3, with the envelope's message and never the token", async () => {
    const bad = `${token.slice(0, -4)}AAAA`;
    const run = await runTaskdl(["ls", "cli-ls"], { env: { TASKDL_URL: server.url, TASKDL_TOKEN: bad } });
    assert.equal(run.status, EXIT.unauthorized);
    assert.match(run.stderr, /^taskdl: Unauthorized/m);
    assert.ok(!run.stderr.includes(bad));
    const pull = await runTaskdl(["pull", "cli-ls", "--token", bad, "--url", server.url]);
    assert.equal(pull.status, EXIT.unauthorized);
    assert.ok(!pull.stderr.includes(bad));
  });

  test("404 → 4 for a missing task and for someone else's", async () => {
    for (const taskId of ["cli-missing", "cli-ls"]) {
      const who = taskId === "cli-ls" ? server.token("bob") : token;
      const run = await runTaskdl(["pull", taskId, "--out", tempDir()], {
        env: { TASKDL_URL: server.url, TASKDL_TOKEN: who },
      });
      assert.equal(run.status, EXIT.notFound, taskId);
      assert.equal(run.stderr, "taskdl: Task not found\n");
    }
  });

  test("a task not finished or failed → 5, with the envelope's message", async () => {
    const running = await runTaskdl(["pull", "cli-running", "--out", tempDir()], { env: env() });
    assert.equal(running.status, EXIT.taskNotReady);
    assert.equal(
      running.stderr,
      "taskdl: Request parameter error: task cli-running has not finished (status RUNNING)\n",
    );
    const failed = await runTaskdl(["ls", "cli-failed"], { env: env() });
    assert.equal(failed.status, EXIT.taskNotReady);
    assert.equal(failed.stderr, "taskdl: Request parameter error: task cli-failed failed\n");
  });

  test("pull --wait waits for the task to finish, then pulls; a wait that ends first is exit 5", async () => {
    const put = await server.putTask({ taskId: "cli-later", ownerId: "alice", status: "RUNNING", outputs: [] });
    assert.equal(put.status, 200);
    const dir = tempDir();
    const started = performance.now();
    const pulling = runTaskdl(["pull", "cli-later", "--wait", "--out", dir], { env: env() });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await recordTask(server, "cli-later", [{ name: "late.tif", content: "finished at last" }]);
    const finished = performance.now();
    const run = await pulling;
    assert.equal(run.status, EXIT.ok, run.stderr);
    assert.ok(performance.now() - finished < 5000, "pulled within moments of the task finishing");
    assert.ok(finished - started >= 1500);
    assert.match(run.stderr, /waiting up to 3600 s for task cli-later to finish/);
    assert.deepEqual(readdirSync(dir), ["late.tif"]);
    assertNoSecrets(run.stderr);

    const start = performance.now();
    const short = await runTaskdl(["pull", "cli-running", "--wait=1", "--out", tempDir()], { env: env() });
    assert.equal(short.status, EXIT.taskNotReady);
    assert.ok(performance.now() - start >= 1000, "it waited");
    assert.match(short.stderr, /has not finished \(status RUNNING\)/);
  });

  test("a service that cannot be reached → 1 after bounded retries", async () => {
    const run = await runTaskdl(["ls", "cli-ls", "--url", "http://127.0.0.1:9"], { env: { TASKDL_TOKEN: token } });
    assert.equal(run.status, EXIT.failed);
    assert.equal((run.stderr.match(/retrying in/g) ?? []).length, 5);
    assert.match(run.stderr, /taskdl: Cannot reach taskdl at http:\/\/127\.0\.0\.1:9\n$/);
  });
});

describe("taskdl ls", () => {
  test("lists name, size, short SHA-256 and expiry; no links", async () => {
    const run = await runTaskdl(["ls", "cli-ls"], { env: env() });
    assert.equal(run.status, EXIT.ok, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^NAME\s+SIZE\s+BYTES\s+SHA-256\s+EXPIRES$/);
    assert.match(
      lines[1] ?? "",
      new RegExp(
        `^ndvi_result\\.tif\\s+10 B\\s+10\\s+${sha256("tiff bytes").slice(0, 12)}…\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`,
      ),
    );
    assert.match(lines[2] ?? "", /^analysis report\.pdf\s+26 B\s+26\s+[0-9a-f]{12}…/);
    assert.match(lines[3] ?? "", /^legacy\.csv\s+8 B\s+8\s+-\s+/, "no SHA-256 recorded: a dash");
    assert.equal(lines[4], "3 files, 44 B (44 bytes)");
    assert.doesNotMatch(run.stdout, /http/);
    assertNoSecrets(run.stdout + run.stderr);
  });

  test("--json gives the same as a document, with a token from --token-file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "token"), `${token}\n`);
    const run = await runTaskdl(["ls", "cli-ls", "--json", "--token-file", join(dir, "token"), "--url", server.url]);
    assert.equal(run.status, EXIT.ok, run.stderr);
    const listed = JSON.parse(run.stdout) as { taskId: string; totalSize: number; files: Record<string, unknown>[] };
    assert.equal(listed.taskId, "cli-ls");
    assert.equal(listed.totalSize, 44);
    assert.deepEqual(
      listed.files.map((file) => [file.fileName, file.fileSize, file.sha256]),
      [
        ["ndvi_result.tif", 10, sha256("tiff bytes")],
        ["analysis report.pdf", 26, sha256("pdf bytes, a little longer")],
        ["legacy.csv", 8, null],
      ],
    );
    assert.doesNotMatch(run.stdout, /http/);
  });
});
