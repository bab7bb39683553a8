import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkImportCycles, formatImportCycle } from "./check_import_cycles.ts";

const SCRIPT = fileURLToPath(new URL("./check_import_cycles.ts", import.meta.url));
const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A repository with the workspaces `packages/*` and `tools`, holding `files` (paths from the repository). */
function repository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "taskdl-cycles-"));
  folders.push(root);
  const all: Record<string, string> = {
    "package.json": JSON.stringify({ private: true, workspaces: ["packages/*", "tools"] }),
    "packages/app/package.json": JSON.stringify({ name: "app", type: "module" }),
    "tools/package.json": JSON.stringify({ name: "tools", type: "module" }),
    "tools/a.ts": 'import { b } from "./b.ts";\nexport const a = b;\n',
    "tools/b.ts": "export const b = 1;\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const CLEAN = {
  "packages/app/mod.ts": 'export { Repo } from "./db/repo.ts";\n',
  "packages/app/db/repo.ts":
    'import type { Cache } from "../tasks/cache.ts";\nexport class Repo {\n  cache?: Cache;\n}\n',
  "packages/app/tasks/cache.ts": "export interface Cache {\n  size: number;\n}\n",
  "packages/app/tasks/cache_test.ts":
    'import type { Cache } from "./cache.ts";\nexport const c: Cache = { size: 1 };\n',
};

test("a tree whose folders import one way only passes", () => {
  assert.deepEqual(checkImportCycles(repository(CLEAN)), []);
});

test("two sibling folders that import each other, by type-only imports, are a cycle, with the imports that close it", () => {
  const root = repository({
    ...CLEAN,
    "packages/app/tasks/cache.ts":
      'import type { Repo } from "../db/repo.ts";\nexport interface Cache {\n  repo: Repo;\n}\n',
  });
  const cycles = checkImportCycles(root);
  assert.deepEqual(cycles, [
    {
      pkg: "packages/app",
      folders: ["db", "tasks"],
      hops: [
        { from: "db", to: "tasks", imports: [{ from: "db/repo.ts", to: "tasks/cache.ts" }] },
        { from: "tasks", to: "db", imports: [{ from: "tasks/cache.ts", to: "db/repo.ts" }] },
      ],
    },
  ]);
  assert.equal(
    formatImportCycle(cycles[0] ?? { pkg: "", folders: [], hops: [] }),
    [
      "packages/app: db/ tasks/ import each other:",
      "  db/ <-> tasks/:",
      "    db/repo.ts imports tasks/cache.ts",
      "    tasks/cache.ts imports db/repo.ts",
    ].join("\n"),
  );
});

test("a ring of three folders through a re-export, a dynamic import and an import type is a cycle", () => {
  const cycles = checkImportCycles(
    repository({
      "packages/app/x/one.ts": 'export * from "../y/two.ts";\nexport interface Thing {\n  name: string;\n}\n',
      "packages/app/y/two.ts": 'export async function load() {\n  return await import("../z/three.ts");\n}\n',
      "packages/app/z/three.ts": 'export type Named = import("../x/one.ts").Thing;\n',
    }),
  );
  assert.deepEqual(
    cycles.map(({ pkg, folders, hops }) => ({ pkg, folders, hops: hops.map(({ from, to }) => `${from}->${to}`) })),
    [{ pkg: "packages/app", folders: ["x", "y", "z"], hops: ["x->y", "y->z", "z->x"] }],
  );
});

test("the package root and nested folders are folders of their own", () => {
  const cycles = checkImportCycles(
    repository({
      "packages/app/start.ts": 'import { port } from "./net/http/port.ts";\nexport const config = { port };\n',
      "packages/app/net/http/port.ts":
        'import type { config } from "../../start.ts";\nexport const port = 3000;\nexport type C = typeof config;\n',
      "packages/app/net/tls.ts": 'import { port } from "./http/port.ts";\nexport const tls = port;\n',
    }),
  );
  // net/ imports net/http/, which does not import net/: only the root and net/http/ close a cycle.
  assert.deepEqual(
    cycles.map(({ folders }) => folders),
    [[".", "net/http"]],
  );
});

test("imports in comments and strings, and imports across packages, are not edges", () => {
  const root = repository({
    ...CLEAN,
    "packages/app/tasks/cache.ts": [
      '// import type { Repo } from "../db/repo.ts";',
      '/** @example import { Repo } from "../db/repo.ts"; */',
      'export const where = "../db/repo.ts";',
      "export interface Cache {",
      "  size: number;",
      "}",
      "",
    ].join("\n"),
    "packages/lib/package.json": JSON.stringify({ name: "lib", type: "module" }),
    "packages/lib/util/u.ts": 'import type { Cache } from "../../app/tasks/cache.ts";\nexport type U = Cache;\n',
    "packages/app/tasks/use.ts": 'import type { U } from "../../lib/util/u.ts";\nexport type V = U;\n',
  });
  assert.deepEqual(checkImportCycles(root), []);
});

test("the command exits 1 and names the imports on a cycle, 0 on a clean tree", () => {
  const cyclic = repository({
    ...CLEAN,
    "packages/app/tasks/cache.ts":
      'import type { Repo } from "../db/repo.ts";\nexport interface Cache {\n  repo: Repo;\n}\n',
  });
  const failed = spawnSync(process.execPath, [SCRIPT, cyclic], { encoding: "utf8" });
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /^packages\/app: db\/ tasks\/ import each other:$/m);
  assert.match(failed.stderr, /^ {4}tasks\/cache\.ts imports db\/repo\.ts$/m);
  const passed = spawnSync(process.execPath, [SCRIPT, repository(CLEAN)], { encoding: "utf8" });
  assert.equal(passed.status, 0, passed.stderr);
  assert.match(passed.stdout, /^no folder-level import cycles in 2 packages$/m);
});

test("a test may import any folder of its package: its imports close no cycle", () => {
  const root = repository({
    ...CLEAN,
    "packages/app/tasks/cache_test.ts":
      'import { Repo } from "../db/repo.ts";\nimport type { Cache } from "./cache.ts";\nexport const c: Cache = { size: new Repo() ? 1 : 0 };\n',
  });
  assert.deepEqual(checkImportCycles(root), []);
  // The same import from code that is not a test closes the cycle.
  const code = repository({
    ...CLEAN,
    "packages/app/tasks/use_repo.ts": 'import { Repo } from "../db/repo.ts";\nexport const r = new Repo();\n',
  });
  assert.deepEqual(
    checkImportCycles(code).map((cycle) => cycle.folders),
    [["db", "tasks"]],
  );
});
