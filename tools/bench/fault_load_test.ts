import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./fault_load.ts", import.meta.url));

test("the fault-load tool runs every fault and reports no lost write and no 500", { timeout: 240_000 }, () => {
  const result = spawnSync(process.execPath, [SCRIPT, "--seconds", "0.5", "--readers", "2", "--writers", "1"], {
    encoding: "utf8",
    timeout: 230_000,
  });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  for (const phase of ["baseline", "postgres killed", "backends terminated", "hung queries, pool exhausted"]) {
    assert.match(result.stdout, new RegExp(`^${phase} +\\d+`, "m"), phase);
  }
  assert.match(result.stdout, /acknowledged writes: [1-9]\d*, lost: 0; 500 answers: 0; service alive: true/);
});
