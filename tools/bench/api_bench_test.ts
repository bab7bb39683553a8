import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./api_bench.ts", import.meta.url));

test(
  "the service-vs-floor benchmark runs every scenario and prints both sides and the ratio",
  { timeout: 240_000 },
  () => {
    const result = spawnSync(process.execPath, [SCRIPT, "--seconds", "1", "--rounds", "1", "--connections", "4"], {
      encoding: "utf8",
      timeout: 230_000,
    });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    for (const scenario of ["1 many users, 10k tasks", "2 one task, 1,000 outputs"]) {
      for (const side of ["service", "floor", "ratio service/floor"]) {
        assert.match(result.stdout, new RegExp(`^${scenario} +${side} +[\\d,.]+x? `, "m"), `${scenario} ${side}`);
      }
    }
    assert.match(result.stdout, /^4 tRPC vs REST \(service\) +ratio tRPC\/REST/m);
    assert.doesNotMatch(result.stdout, /errors:|\b5\d\d:/, "no transport errors, no 5xx");
  },
);
