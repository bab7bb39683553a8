import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const BENCH = fileURLToPath(new URL("./pull_bench.ts", import.meta.url));
const has = (tool: string) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0;

test(
  "the pull benchmark's smoke run prints a positive rate for every tool, CPU per GiB and peak RSS",
  {
    skip: has("curl") && has("aria2c") ? false : "needs curl and aria2c",
  },
  async () => {
    // Asynchronous: the benchmark's own service must keep answering while this waits.
    const child = spawn(process.execPath, [BENCH, "--smoke"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, stderr);
    for (const tool of [
      "taskdl pull",
      "curl -o",
      "curl -o, then sync FILE",
      "taskdl pull (4 at once)",
      "curl, one after another",
      "aria2c -j 4 -i (taskdl urls)",
    ]) {
      const row = stdout.split("\n").find((line) => line.slice(16, 48).trim() === tool);
      assert.ok(row !== undefined, `a row for ${tool}: ${stdout}`);
      const rate = Number(row.slice(57, 67).trim());
      assert.ok(rate > 0, row);
    }
    assert.match(stdout, /^taskdl CPU seconds per GiB \(user \+ system, the large file\): \d+\.\d\d$/m);
    assert.match(stdout, /^taskdl peak RSS \(the large file\): \d+ MB$/m);
  },
);

test("bad arguments are refused with the usage", () => {
  const result = spawnSync(process.execPath, [BENCH, "--rounds", "0"], { encoding: "utf8" });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /usage: pull_bench\.ts/);
});
