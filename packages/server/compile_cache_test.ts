import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { serviceArgs } from "@taskdl/testing";

// Prints, as the process exits, whether Node loaded its type stripper (amaro) at all.
const REPORT =
  "data:text/javascript,process.on('exit',()=>console.log('type stripper loaded: '+process.moduleLoadList.some((m)=>m.includes('amaro'))))";

// `npm start`'s arguments with PORT=none: main.ts loads every module of the service, then stops at the configuration.
function startAndStop(cache: string): { status: number | null; output: string } {
  const { DATABASE_URL: _ignored, NODE_DISABLE_COMPILE_CACHE: _on, ...env } = process.env;
  const result = spawnSync(process.execPath, ["--import", REPORT, ...serviceArgs()], {
    env: { ...env, NODE_COMPILE_CACHE: cache, PORT: "none" },
    encoding: "utf8",
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

test("npm start's compile cache: a start after the first loads every module from it, without Node's type stripper", () => {
  const cache = mkdtempSync(join(tmpdir(), "taskdl-compile-cache-"));
  try {
    const first = startAndStop(cache);
    assert.equal(first.status, 2, first.output);
    assert.match(first.output, /PORT must be an integer/);
    assert.match(first.output, /type stripper loaded: true/, "the first start strips the TypeScript");
    assert.ok(readdirSync(cache).length > 0, "and leaves the cache behind");
    const second = startAndStop(cache);
    assert.equal(second.status, 2, second.output);
    assert.match(second.output, /type stripper loaded: false/, "every later start reads it from the cache");
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
