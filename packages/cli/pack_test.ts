// What users outside the repository install: `npm pack` builds the bundle (prepack), the tarball goes into an
// empty folder, and `taskdl` runs there under plain Node — --help and a real pull against the real service.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { bytes, listDir, recordTask, runTaskdl, sha256, tempDir } from "./_cli_test_kit.ts";
import { EXIT } from "./exit_codes.ts";

const PACKAGE = fileURLToPath(new URL("./", import.meta.url));
// This Node first: the bin's `#!/usr/bin/env node` and npm's scripts must find it, not an older one.
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
const npm = (args: string[], cwd: string) => runTaskdl(args, { command: ["npm"], cwd, env: { PATH } });

let server: TestServer;
let installed: string;
before(async () => {
  server = await startTestServer();
  await recordTask(server, "packed", [
    { name: "ndvi_result.tif", content: bytes(600_000, 51) },
    { name: "report.pdf", content: "report" },
  ]);
  const packs = tempDir();
  const pack = await npm(["pack", "--pack-destination", packs, "--loglevel=error"], PACKAGE);
  assert.equal(pack.status, 0, pack.stderr);
  const tarball = readdirSync(packs).find((name) => name.endsWith(".tgz"));
  assert.ok(tarball !== undefined, "npm pack wrote a tarball");
  installed = tempDir();
  writeFileSync(join(installed, "package.json"), JSON.stringify({ name: "outside", private: true }));
  const install = await npm(
    ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", join(packs, tarball)],
    installed,
  );
  assert.equal(install.status, 0, install.stderr);
});
after(() => server.close());

test("the packed package is the bundle and the bin, no TypeScript, no dependencies; the workspace is left as it was", () => {
  const root = join(installed, "node_modules", "@taskdl", "cli");
  const files = readdirSync(root, { recursive: true, encoding: "utf8" }).sort();
  assert.deepEqual(files, ["README.md", "bin", "bin/taskdl.js", "dist", "dist/taskdl.js", "package.json"]);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined);
  assert.deepEqual(
    listDir(join(installed, "node_modules")).filter((name) => !name.startsWith(".")),
    ["@taskdl"],
  );
  assert.ok(!existsSync(join(PACKAGE, "dist")), "postpack removed the build from the workspace");
});

test("taskdl --help and a pull run from the install under Node", async () => {
  const bin = join(installed, "node_modules", ".bin", "taskdl");
  const help = await runTaskdl(["--help"], { command: [bin], env: { PATH } });
  assert.equal(help.status, EXIT.ok, help.stderr);
  assert.match(help.stdout, /^Usage: taskdl <command>/);
  const cwd = tempDir();
  const pull = await runTaskdl(["pull", "packed", "--json"], {
    command: [bin],
    cwd,
    env: { PATH, TASKDL_URL: server.url, TASKDL_TOKEN: server.token("alice") },
  });
  assert.equal(pull.status, EXIT.ok, pull.stderr);
  assert.equal(sha256(readFileSync(join(cwd, "packed", "ndvi_result.tif"))), sha256(bytes(600_000, 51)));
  assert.equal(readFileSync(join(cwd, "packed", "report.pdf"), "utf8"), "report");
  const missing = await runTaskdl(["ls", "nope"], {
    command: [bin],
    env: { PATH, TASKDL_URL: server.url, TASKDL_TOKEN: server.token("alice") },
  });
  assert.equal(missing.status, EXIT.notFound);
});
