/**
 * Checks that the packages others depend on are ready for JSR, offline, with
 * the `deno` binary from npm:
 *
 * - every member of the root `deno.json` workspace has a name, a version (the
 *   same as its `package.json`'s), a licence and exports;
 * - `deno publish --dry-run` passes without `--allow-slow-types`, publishes no
 *   test file, and rewrites every bare import to a package a consumer can
 *   install: a sibling becomes `jsr:@taskdl/…@^<version>`, an npm dependency
 *   `npm:<name>@<range>`, and nothing becomes a workspace package that is not
 *   published (`@taskdl/server`), which the dry run lets pass;
 * - `deno doc --lint` finds nothing in the packages' own files.
 *
 *   node tools/check_jsr_packages.ts [repository folder]
 *
 * Why `deno doc --lint` gets more roots than the packages' entries: it counts
 * every type that is not exported from one of its roots as private, the
 * public types of dependencies too (denoland/deno#27364; Deno skips them only
 * for modules that are not `file:`, and npm packages are `file:` modules,
 * from `node_modules` or from its cache alike). So the public entries of the
 * dependencies are roots as well, and what it reports inside `node_modules`
 * (the dependencies' own documentation) is left out; everything it reports in
 * this repository's files fails the check.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { workspacePackages } from "./_workspace_packages.ts";

/** The public entries of npm dependencies whose types the packages' APIs show, where `npm:<name>` is not all of them. */
const DEPENDENCY_DOC_ROOTS: Readonly<Record<string, readonly string[]>> = {
  // z.core ($strict, $loose, the schemas' internals) is zod's second public entry.
  zod: ["zod", "zod/v4/core"],
};

/** A member of the root `deno.json` workspace: a package published to JSR. */
export interface JsrPackage {
  /** The JSR name, `@scope/name`. */
  name: string;
  /** The version, the same in `deno.json` and `package.json`. */
  version: string;
  /** The package's folder. */
  dir: string;
  /** The entry files of `exports`, relative to `dir`. */
  entries: string[];
  /** What the dry run publishes, relative to the repository. */
  files: string[];
  /** Each bare import of its published files, and what the dry run rewrites it to. */
  imports: Map<string, string>;
}

/** What {@linkcode checkJsrPackages} found. */
export interface JsrCheck {
  /** The packages, with what the dry run would publish. */
  packages: JsrPackage[];
  /** What stands in the way of publishing, one sentence each; empty when nothing does. */
  problems: string[];
  /** How many `deno doc --lint` findings were in dependencies' own files, and so left out. */
  dependencyFindings: number;
}

/**
 * Runs the checks on the repository (or fixture) at `root`.
 *
 * @param root The folder with the root `deno.json` and `package.json`.
 * @returns The packages and the problems.
 *
 * @example
 * ```ts
 * const { problems } = checkJsrPackages("/path/to/taskdl");
 * if (problems.length > 0) process.exitCode = 1;
 * ```
 */
export function checkJsrPackages(root: string): JsrCheck {
  const problems: string[] = [];
  const packages = readMembers(root, problems);
  if (problems.length > 0) return { packages, problems, dependencyFindings: 0 };
  const unpublished = workspacePackageNames(root).filter((name) => !packages.some((pkg) => pkg.name === name));

  // --allow-dirty: what is checked is the files, not whether they are committed. The debug log says how imports are rewritten.
  const dryRun = deno(["publish", "--dry-run", "--allow-dirty", "-L", "debug"], root);
  if (dryRun.code !== 0) {
    // Again without the debug log, which would bury the error.
    const again = deno(["publish", "--dry-run", "--allow-dirty"], root);
    problems.push(`deno publish --dry-run failed:\n${withoutNoise(again.output)}`);
    return { packages, problems, dependencyFindings: 0 };
  }
  readDryRun(root, dryRun.output, packages);
  for (const pkg of packages) {
    if (pkg.files.length === 0) problems.push(`deno publish --dry-run did not say what ${pkg.name} publishes`);
    for (const file of pkg.files.filter((file) => file.endsWith("_test.ts")))
      problems.push(
        `Cannot publish ${pkg.name}: it would publish the test ${file} (exclude it in deno.json "publish")`,
      );
    for (const [specifier, target] of pkg.imports) {
      const wrong = wrongTarget(target, packages, unpublished);
      if (wrong !== undefined)
        problems.push(`Cannot publish ${pkg.name}: it imports ${specifier}, published as ${target}, ${wrong}`);
    }
  }

  let dependencyFindings = 0;
  const reported = new Set<string>();
  for (const pkg of packages) {
    const lint = deno(["doc", "--lint", ...docRoots(pkg, packages)], pkg.dir);
    const findings = readDocLint(lint.output);
    if (findings === undefined || (lint.code !== 0 && findings.length === 0)) {
      problems.push(`deno doc --lint of ${pkg.name} failed:\n${withoutNoise(lint.output)}`);
      continue;
    }
    for (const finding of findings) {
      if (finding.path.split(sep).includes("node_modules")) {
        dependencyFindings++;
        continue;
      }
      const text = `${relative(root, finding.path)}:${finding.line}: ${finding.code}: ${finding.message}`;
      if (!reported.has(text)) problems.push(`deno doc --lint: ${text}`);
      reported.add(text);
    }
  }
  return { packages, problems, dependencyFindings };
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8"));
}

function readMembers(root: string, problems: string[]): JsrPackage[] {
  const workspace = readJson(join(root, "deno.json")).workspace;
  if (!Array.isArray(workspace) || workspace.length === 0) {
    problems.push('deno.json names no "workspace" members');
    return [];
  }
  return workspace.map((member: string) => {
    const dir = resolve(root, member);
    const config = readJson(join(dir, "deno.json"));
    const npm = existsSync(join(dir, "package.json")) ? readJson(join(dir, "package.json")) : {};
    const where = `${relative(root, dir)}/deno.json`;
    for (const field of ["name", "version", "license", "exports"])
      if (config[field] === undefined) problems.push(`${where} has no "${field}"`);
    const name = String(config.name);
    const version = String(config.version);
    if (npm.name !== undefined && npm.name !== name)
      problems.push(`${where} names ${name}, its package.json ${String(npm.name)}`);
    if (npm.version !== undefined && npm.version !== version)
      problems.push(`${where} has version ${version}, its package.json ${String(npm.version)}: keep them equal`);
    const exports = config.exports;
    const entries = typeof exports === "string" ? [exports] : Object.values(exports ?? {}).map(String);
    return { name, version, dir, entries, files: [], imports: new Map() };
  });
}

/** The names of the npm workspace's packages. */
function workspacePackageNames(root: string): string[] {
  return workspacePackages(root).map((dir) => String(readJson(join(dir, "package.json")).name));
}

function deno(args: string[], cwd: string): { code: number | null; output: string } {
  const bin = createRequire(import.meta.url).resolve("deno/bin.cjs");
  // Plain text to read: deno colours its output when FORCE_COLOR is set at all (CI sets it to 0, Nx to true).
  const { FORCE_COLOR: _, ...env } = process.env;
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  // Without deno's escape sequences for colours, in case it still writes some.
  const output = stripVTControlCharacters(`${result.stdout}${result.stderr}`);
  return { code: result.status, output };
}

/** Deno's output without its debug lines and its warnings about `@types/node`'s triple-slash references. */
function withoutNoise(output: string): string {
  return output
    .replace(/^Warning Failed resolving types\. .*\n\s+at .*\n/gm, "")
    .split("\n")
    .filter((line) => !line.startsWith("DEBUG "))
    .join("\n")
    .trim();
}

/** Fills in each package's published files and rewritten imports from the dry run's (debug) output. */
function readDryRun(root: string, output: string, packages: JsrPackage[]): void {
  const owner = (file: string) => packages.find((pkg) => file.startsWith(pkg.dir + sep));
  let publishing: JsrPackage | undefined;
  for (const line of output.split("\n")) {
    const simulating = /^Simulating publish of (@[^@\s]+\/[^@\s]+)@(\S+) with files:$/.exec(line);
    if (simulating !== null) {
      publishing = packages.find((pkg) => pkg.name === simulating[1]);
      continue;
    }
    const file = /^\s+(file:\/\/\S+) \(/.exec(line);
    if (file !== null && publishing !== undefined) {
      publishing.files.push(relative(root, fileURLToPath(file[1] ?? "")));
      continue;
    }
    publishing = undefined;
    const unfurled = /Unfurled specifier: (\S+) from (file:\/\/\S+) -> (\S+)$/.exec(line);
    if (unfurled !== null) owner(fileURLToPath(unfurled[2] ?? ""))?.imports.set(unfurled[1] ?? "", unfurled[3] ?? "");
  }
}

/** Why a rewritten import cannot be installed by a consumer, or `undefined` when it can. */
function wrongTarget(target: string, packages: JsrPackage[], unpublished: string[]): string | undefined {
  if (target.startsWith("node:")) return undefined;
  const parts = /^(jsr|npm):((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?(\/.*)?$/.exec(target);
  if (parts === null) return "which is neither a jsr: nor an npm: package";
  const [, registry, name = "", range] = parts;
  if (registry === "npm" && unpublished.includes(name))
    return `a package of this workspace that is not published (an import type counts: consumers' type checks resolve it)`;
  if (registry === "jsr" && !packages.some((pkg) => pkg.name === name) && name.startsWith("@taskdl/"))
    return "which is not one of the packages published here";
  if (range === undefined || range === "") return "without a version range";
  return undefined;
}

/** What `deno doc --lint` reads for a package: its entries, its sibling dependencies' entries, its npm dependencies' public entries. */
function docRoots(pkg: JsrPackage, packages: JsrPackage[]): string[] {
  const roots = new Set(pkg.entries);
  const npm = new Set<string>();
  const visit = (from: JsrPackage, seen: Set<string>) => {
    for (const target of from.imports.values()) {
      const name = /^(?:jsr|npm):((?:@[^/@]+\/)?[^/@]+)/.exec(target)?.[1] ?? "";
      const sibling = target.startsWith("jsr:") ? packages.find((other) => other.name === name) : undefined;
      if (sibling !== undefined && !seen.has(sibling.name)) {
        seen.add(sibling.name);
        for (const entry of sibling.entries) roots.add(relative(pkg.dir, join(sibling.dir, entry)));
        visit(sibling, seen);
      } else if (target.startsWith("npm:")) npm.add(name);
    }
  };
  visit(pkg, new Set([pkg.name]));
  for (const name of npm) for (const entry of DEPENDENCY_DOC_ROOTS[name] ?? [name]) roots.add(`npm:${entry}`);
  return [...roots];
}

interface DocFinding {
  code: string;
  message: string;
  path: string;
  line: number;
}

/** The findings of `deno doc --lint`, or `undefined` when its count of them does not match what was read. */
function readDocLint(output: string): DocFinding[] | undefined {
  const findings = [...output.matchAll(/^(?:error|warning)\[([\w-]+)\]: (.+)\n\s*--> (.+):(\d+):\d+$/gm)].map(
    ([, code = "", message = "", path = "", line = "0"]) => ({ code, message, path, line: Number(line) }),
  );
  const found = /^error: Found (\d+) documentation lint errors?\.$/m.exec(output);
  const expected = found === null ? 0 : Number(found[1]);
  return findings.length === expected ? findings : undefined;
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL("../", import.meta.url)));
  const { packages, problems, dependencyFindings } = checkJsrPackages(root);
  for (const pkg of packages) {
    const rewrites = [...pkg.imports].map(([from, to]) => `${from} → ${to}`).join(", ");
    console.log(`${pkg.name}@${pkg.version}: ${pkg.files.length} files; imports published as ${rewrites || "-"}`);
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }
  console.log(
    `deno publish --dry-run (no slow types) and deno doc --lint are clean ` +
      `(${dependencyFindings} findings of deno doc --lint in dependencies' own files left out)`,
  );
}
