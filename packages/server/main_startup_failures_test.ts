import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { startMain } from "./_start_main.ts";

// Each start-up failure ends in one paragraph naming the cause and the fix, never a stack trace.
const scratch = mkdtempSync(join(tmpdir(), "taskdl-startup-"));
// As root the embedded PostgreSQL runs as the postgres user, which must reach the data folders here.
chmodSync(scratch, 0o755);
after(() => rmSync(scratch, { recursive: true, force: true }));

function assertOneParagraph(output: string): void {
  assert.doesNotMatch(output, /^\s+at /m, "no stack trace");
  assert.doesNotMatch(output, /Unhandled 'error' event|node:internal/, "no unhandled error event");
}

test("a port that is taken: the message names the port and PORT, exit code 1", { timeout: 60_000 }, async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const main = startMain({ DATA_DIR: join(scratch, "port"), PORT: String(port) });
  assert.equal(await main.exited, 1, main.output());
  assert.match(
    main.output(),
    new RegExp(
      `taskdl: Cannot listen on 127\\.0\\.0\\.1:${port}: another program already uses port ${port}\\. ` +
        "Stop it, or set PORT to a free port",
    ),
  );
  assertOneParagraph(main.output());
});

test("a data folder that cannot be written: the message names the folder and DATA_DIR, exit code 1", async () => {
  // A file where the folder should be: refused the same way for root and for everyone else.
  const file = join(scratch, "a-file");
  writeFileSync(file, "not a folder");
  const dataDir = join(file, "data");
  const main = startMain({ DATA_DIR: dataDir, PORT: "0" });
  assert.equal(await main.exited, 1, main.output());
  assert.match(
    main.output(),
    new RegExp(
      `taskdl: Cannot write to the data folder ${dataDir.replace(/[/.]/g, "\\$&")} \\(DATA_DIR\\): ` +
        "a file is in the way where a folder should be\\. .*Set DATA_DIR to a folder you can write",
    ),
  );
  assertOneParagraph(main.output());
});

test(
  "an embedded PostgreSQL that cannot start: the message has its own last lines, exit code 1",
  { timeout: 120_000 },
  async () => {
    const dataDir = join(scratch, "broken-cluster");
    // A cluster someone half removed: its version file is there, its configuration is not.
    const cluster = join(dataDir, "pg");
    mkdirSync(cluster, { recursive: true });
    writeFileSync(join(cluster, "PG_VERSION"), "9.6\n");
    chmodSync(cluster, 0o700);
    if (process.getuid?.() === 0) {
      // As a cluster made by an earlier run would be: its folder belongs to the user PostgreSQL runs as.
      const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
      for (const path of [cluster, join(cluster, "PG_VERSION")]) chownSync(path, id("-u"), id("-g"));
    }
    const main = startMain({ DATA_DIR: dataDir, PORT: "0" });
    const code = await Promise.race([main.exited, new Promise((resolve) => setTimeout(resolve, 60_000, "running"))]);
    main.child.kill("SIGKILL");
    assert.equal(code, 1, main.output());
    const output = main.output();
    assert.match(output, /taskdl: Cannot start the embedded PostgreSQL in \S+: postgres exited with code \d+\. /);
    assert.match(
      output,
      /Its last lines:\n {2}postgres: could not access the server configuration file "[^"]+postgresql\.conf"/,
    );
    assert.match(output, /or set DATABASE_URL to use a PostgreSQL server of your own/);
    assertOneParagraph(output);
  },
);

test("a bad setting keeps its message and exit code 2", async () => {
  const main = startMain({ DATA_DIR: join(scratch, "bad"), DATABASE_POOL_MAX: "lots" });
  assert.equal(await main.exited, 2);
  assert.match(main.output(), /taskdl: Invalid configuration: DATABASE_POOL_MAX must be an integer from 1 to 1000/);
  assertOneParagraph(main.output());
});
