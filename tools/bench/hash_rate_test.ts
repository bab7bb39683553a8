import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const BENCH = fileURLToPath(new URL("./hash_rate.ts", import.meta.url));

test("the hashing benchmark runs and prints a positive rate for every store", () => {
  const result = spawnSync(process.execPath, [BENCH, "--mb", "2", "--rounds", "1"], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  for (const store of ["sha-256 in memory (floor)", "local ", "s3 ", "azure "]) {
    const row = result.stdout.split("\n").find((line) => line.startsWith(store));
    assert.ok(row !== undefined, `a row for ${store}`);
    const rate = Number(row.slice(34).trim().split(/\s+/)[0]);
    assert.ok(rate > 0, `${store}: ${row}`);
  }
  assert.match(result.stdout, /send sha256 for very large outputs/);
});

test("bad arguments are refused with the usage", () => {
  const result = spawnSync(process.execPath, [BENCH, "--mb", "0"], { encoding: "utf8" });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /usage: hash_rate\.ts/);
});
