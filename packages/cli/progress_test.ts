// Progress as a person sees it: under a real pseudo-terminal (util-linux `script`), bars redrawn in place;
// off a terminal, or with --quiet, plain lines only.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@taskdl/testing";
import { BIN, bytes, recordTask, runTaskdl, tempDir } from "./_cli_test_kit.ts";
import { EXIT } from "./exit_codes.ts";

const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** A shell word for `script -c`. */
const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

// deno-lint-ignore no-control-regex -- escape sequences are what the test looks for
const ESCAPES = /[\r\u001b]/;

describe("progress", { skip: hasScript ? false : "no util-linux script on this machine" }, () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let env: Record<string, string>;
  before(async () => {
    // Links through a proxy that delays each connection, so the bars are drawn more than once.
    proxy = await startTcpProxy(0, { plan: () => ({ kind: "forward", delayMs: 300 }) });
    server = await startTestServer({ PUBLIC_BASE_URL: proxy.url });
    proxy.targetPort = Number(new URL(server.url).port);
    env = { TASKDL_URL: server.url, TASKDL_TOKEN: server.token("alice") };
    await recordTask(server, "bars", [
      { name: "first.tif", content: bytes(2_000_000, 31) },
      { name: "second.tif", content: bytes(1_000_000, 32) },
    ]);
  });
  after(async () => {
    await server.close();
    await proxy.close();
  });

  const underTerminal = (args: string[]) =>
    runTaskdl(["-qec", [process.execPath, BIN, ...args].map(quote).join(" "), "/dev/null"], {
      env: { ...env, COLUMNS: "100" },
      command: ["script"],
    });

  test("on a terminal: a line per active file and a total line, redrawn in place", async () => {
    const run = await underTerminal(["pull", "bars", "--out", tempDir()]);
    assert.equal(run.status, EXIT.ok, run.stdout);
    assert.ok(run.stdout.includes("\u001b[2K"), "lines cleared and redrawn");
    assert.match(
      run.stdout,
      /first\.tif\s+\[[#-]{20}\]\s+[\d.]+ (B|KiB|MiB)\/1\.91 MiB\s+\d+% [\d.]+ (B|KiB|MiB)\/s ETA/,
    );
    assert.match(run.stdout, /total \(\d\/2 files\)\s+\[[#-]{20}\]/);
    assert.match(run.stdout, /verified {2}first\.tif/);
    assert.doesNotMatch(run.stdout, /sig=|eyJ/);
  });

  test("with --quiet on a terminal, and off a terminal: plain lines, no carriage return or escape", async () => {
    const quiet = await underTerminal(["pull", "bars", "--out", tempDir(), "--quiet"]);
    assert.equal(quiet.status, EXIT.ok, quiet.stdout);
    // script turns each \n into \r\n on the terminal; nothing else may carry a \r or an escape.
    assert.doesNotMatch(quiet.stdout.replace(/\r\n/g, "\n"), ESCAPES);
    assert.match(quiet.stdout, /^done: 2 files in .*, 2 downloaded and verified/m);
    assert.doesNotMatch(quiet.stdout, /verified {2}first\.tif/, "quiet: no line per file");
    const plain = await runTaskdl(["pull", "bars", "--out", tempDir()], { env });
    assert.equal(plain.status, EXIT.ok, plain.stderr);
    assert.doesNotMatch(plain.stderr, ESCAPES);
    assert.match(plain.stderr, /^verified {2}first\.tif \(1\.91 MiB, 1\.91 MiB transferred\)$/m);
  });
});
