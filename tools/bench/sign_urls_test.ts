import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const BENCH = fileURLToPath(new URL("./sign_urls.ts", import.meta.url));

test("the signing benchmark runs and prints a positive rate for every adapter", () => {
  const result = spawnSync(process.execPath, [BENCH, "--rounds", "1", "--seconds", "0.05"], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  for (const adapter of ["local", "s3", "azure", "s3 via SDK getSignedUrl (contrast)"]) {
    const row = result.stdout.split("\n").find((line) => line.startsWith(`${adapter} `));
    assert.ok(row !== undefined, `a row for ${adapter}`);
    const rate = Number(row.slice(36).trim().split(/\s+/)[0]?.replaceAll(",", ""));
    assert.ok(rate > 0, `${adapter}: ${row}`);
  }
});

test("bad arguments are refused with the usage", () => {
  const result = spawnSync(process.execPath, [BENCH, "--rounds", "0"], { encoding: "utf8" });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /usage: sign_urls\.ts/);
});
