import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkJsrPackages } from "./check_jsr_packages.ts";

const ZOD = fileURLToPath(new URL("../node_modules/zod", import.meta.url));
const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const CLEAN_MOD = `/**
 * A fixture package.
 *
 * @module
 */
import { z } from "zod";

/** A name, as a schema. */
export const Name: z.ZodObject<{ name: z.ZodString }, z.core.$strict> = z.strictObject({ name: z.string() });
`;

/**
 * A workspace like this repository's: an npm workspace of `a` (published to
 * JSR) and `private` (not published), with zod from this repository.
 */
function workspace(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), "taskdl-jsr-"));
  folders.push(root);
  const all: Record<string, string> = {
    "package.json": JSON.stringify({ private: true, type: "module", workspaces: ["a", "private"] }),
    "deno.json": JSON.stringify({ workspace: ["./a"], nodeModulesDir: "manual", lock: false }),
    "a/package.json": JSON.stringify({
      name: "@fx/a",
      version: "0.1.0",
      type: "module",
      exports: { ".": "./mod.ts" },
      dependencies: { zod: "^4.1.0", "@fx/private": "*" },
    }),
    "a/deno.json": JSON.stringify({
      name: "@fx/a",
      version: "0.1.0",
      license: "MIT",
      exports: "./mod.ts",
      publish: { exclude: ["package.json"] },
    }),
    "a/mod.ts": CLEAN_MOD,
    "private/package.json": JSON.stringify({
      name: "@fx/private",
      version: "0.1.0",
      private: true,
      type: "module",
      exports: { ".": "./mod.ts" },
    }),
    "private/mod.ts": "/** A secret. */\nexport interface Secret {\n  /** Its value. */\n  value: string;\n}\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(join(root, "node_modules/@fx"), { recursive: true });
  symlinkSync(ZOD, join(root, "node_modules/zod"));
  symlinkSync("../../a", join(root, "node_modules/@fx/a"));
  symlinkSync("../../private", join(root, "node_modules/@fx/private"));
  return root;
}

const TIMEOUT = { timeout: 120_000 };

test("a clean package passes, its npm imports published as npm: ranges", TIMEOUT, () => {
  const { packages, problems, dependencyFindings } = checkJsrPackages(workspace());
  assert.deepEqual(problems, []);
  assert.equal(packages.length, 1);
  assert.deepEqual(packages[0]?.files, ["a/deno.json", "a/mod.ts"]);
  assert.deepEqual([...(packages[0]?.imports ?? [])], [["zod", "npm:zod@^4.1.0"]]);
  // zod's public entries were read (and what deno doc says about zod's own files left out).
  assert.ok(dependencyFindings > 0, String(dependencyFindings));
});

test("an exported schema without an explicit type is a slow type", TIMEOUT, () => {
  const mod = CLEAN_MOD.replace(
    "export const Name: z.ZodObject<{ name: z.ZodString }, z.core.$strict> =",
    "export const Name =",
  );
  const { problems } = checkJsrPackages(workspace({ "a/mod.ts": mod }));
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0] ?? "", /^deno publish --dry-run failed:[\s\S]*missing-explicit-type[\s\S]*a\/mod\.ts/);
});

test(
  "an export without JSDoc, and one that shows a type of its own it does not export, fail deno doc --lint",
  TIMEOUT,
  () => {
    const mod = `${CLEAN_MOD}
export function shout(text: string): string {
  return text.toUpperCase();
}

interface Hidden {
  /** A count. */
  count: number;
}

/** One hidden thing. */
export const ONE: Hidden = { count: 1 };
`;
    const { problems } = checkJsrPackages(workspace({ "a/mod.ts": mod }));
    assert.deepEqual(
      problems.map((problem) => problem.replace(/:\d+:/, ":N:")),
      [
        "deno doc --lint: a/mod.ts:N: missing-jsdoc: exported symbol is missing JSDoc documentation",
        "deno doc --lint: a/mod.ts:N: private-type-ref: public type 'ONE' references private type 'Hidden'",
      ],
    );
  },
);

test("a type imported from an unpublished workspace package fails, though the dry run lets it pass", TIMEOUT, () => {
  const mod = `${CLEAN_MOD}
import type { Secret } from "@fx/private";

/** The secret, shown. */
export type Shown = Secret;
`;
  const { problems } = checkJsrPackages(workspace({ "a/mod.ts": mod }));
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(
    problems[0] ?? "",
    /^Cannot publish @fx\/a: it imports @fx\/private, published as npm:@fx\/private\S*, a package of this workspace that is not published/,
  );
});

test("a published test file and versions that differ between deno.json and package.json fail", TIMEOUT, () => {
  const { problems: tests } = checkJsrPackages(workspace({ "a/mod_test.ts": 'import "./mod.ts";\n' }));
  assert.deepEqual(tests, [
    'Cannot publish @fx/a: it would publish the test a/mod_test.ts (exclude it in deno.json "publish")',
  ]);
  const config = { name: "@fx/a", version: "0.2.0", license: "MIT", exports: "./mod.ts" };
  const { problems: versions } = checkJsrPackages(workspace({ "a/deno.json": JSON.stringify(config) }));
  assert.deepEqual(versions, ["a/deno.json has version 0.2.0, its package.json 0.1.0: keep them equal"]);
});
