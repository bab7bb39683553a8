/**
 * Finds folder-level import cycles inside each package of the workspace:
 * folders whose files import each other, directly or round a ring. Every
 * folder is a node (the package's root folder too, for the files in it, and
 * nested folders apart from their parents); each import of a file in another
 * folder of the same package is an edge; every strongly connected component
 * of more than one folder is a cycle, reported with the imports that close
 * it. Exits 1 when there is one.
 *
 *   node tools/check_import_cycles.ts [repository folder]
 *
 * The imports are the ones TypeScript resolves (`tsc --explainFiles
 * --noCheck`, TypeScript 7's, on every `.ts` file of the package): value and
 * type-only imports, re-exports, dynamic `import()` and `import("…")` types,
 * and nothing in comments or strings. Type-only imports count, since they tie
 * folders together as much as any other (a stripper and a JavaScript lexer
 * would not see them: they are what type stripping removes).
 *
 * Imports made by tests (`*_test.ts`) do not count: a test is a consumer of
 * its package and may reach into any folder of it — the task rules' tests run
 * them against the real PostgreSQL repository of `db/`, which implements the
 * port `tasks/` defines. The structure checked is the code's.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { workspacePackages } from "./_workspace_packages.ts";

/** One import from a file in one folder of a package to a file in another. */
export interface FolderImport {
  /** The importing file, relative to the package. */
  from: string;
  /** The imported file, relative to the package. */
  to: string;
}

/** The imports from the files of one folder to those of another. */
export interface FolderHop {
  /** The importing folder, relative to the package (`.` for its root). */
  from: string;
  /** The imported folder. */
  to: string;
  /** The imports, sorted. */
  imports: FolderImport[];
}

/** Folders of one package that import each other. */
export interface ImportCycle {
  /** The package's folder, relative to the repository. */
  pkg: string;
  /** The folders that import each other (a strongly connected component), sorted. */
  folders: string[];
  /** Every hop from one of these folders to another: the imports that close the cycle. */
  hops: FolderHop[];
}

/**
 * Finds the folder-level import cycles of every workspace package under `root`.
 *
 * @param root The repository: the folder whose `package.json` lists the workspaces.
 * @returns The cycles, by package; empty when there are none.
 * @throws {Error} When TypeScript's account of the imports cannot be read.
 *
 * @example
 * ```ts
 * for (const cycle of checkImportCycles(".")) console.log(cycle.pkg, cycle.folders);
 * ```
 */
export function checkImportCycles(root: string): ImportCycle[] {
  return workspacePackages(root).flatMap((dir) => cyclesOf(relative(root, dir) || ".", importsOf(dir)));
}

/** The `.ts` files of a package, relative to it: `node_modules` and dot folders left out. */
function tsFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory())
      return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : tsFiles(dir, path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every import between two files of the package, as TypeScript resolves them. */
function importsOf(dir: string): FolderImport[] {
  const files = tsFiles(dir);
  if (files.length === 0) return [];
  const typescript = dirname(createRequire(import.meta.url).resolve("typescript/package.json"));
  const args = [
    "--explainFiles",
    "--noCheck",
    "--noEmit",
    "--ignoreConfig",
    "--allowImportingTsExtensions",
    "--pretty",
    "false",
  ];
  const result = spawnSync(
    process.execPath,
    [join(typescript, "bin", "tsc"), ...args, "--module", "nodenext", "--types", "", ...files],
    { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const output = `${result.stdout}${result.stderr}`;
  const imports: FolderImport[] = [];
  const seen = new Set<string>();
  let current: string | undefined;
  for (const line of output.split("\n")) {
    if (/^\S/.test(line)) {
      current = inPackage(dir, line.trim());
      if (current !== undefined) seen.add(current);
      continue;
    }
    const via = /^\s+Imported via (?:"[^"]*"|'[^']*') from file '(.+?)'(?: with packageId '.*')?$/.exec(line);
    const from = via === null ? undefined : inPackage(dir, via[1] ?? "");
    if (from !== undefined && current !== undefined && !isTest(from)) imports.push({ from, to: current });
  }
  const unread = files.filter((file) => !seen.has(file));
  if (unread.length > 0)
    throw new Error(
      `Cannot read the imports of ${dir}: tsc --explainFiles did not list ${unread.slice(0, 3).join(", ")}\n${output.slice(0, 2000)}`,
    );
  return imports;
}

/** Whether a file is a test (`node --test` runs `*_test.ts`). */
function isTest(file: string): boolean {
  return file.endsWith("_test.ts");
}

/** A path tsc printed, relative to the package, or `undefined` when it is outside it or in `node_modules`. */
function inPackage(dir: string, path: string): string | undefined {
  const file = relative(dir, resolve(dir, path));
  if (file.startsWith("..") || file.split(sep).includes("node_modules")) return undefined;
  return file.split(sep).join("/");
}

function folderOf(file: string): string {
  const slash = file.lastIndexOf("/");
  return slash === -1 ? "." : file.slice(0, slash);
}

/** The strongly connected components of more than one folder (Tarjan's algorithm), with the hops among their folders. */
function cyclesOf(pkg: string, imports: FolderImport[]): ImportCycle[] {
  const edges = new Map<string, Set<string>>();
  const hops = new Map<string, FolderImport[]>();
  for (const found of imports) {
    const [a, b] = [folderOf(found.from), folderOf(found.to)];
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    if (!edges.has(b)) edges.set(b, new Set());
    edges.get(a)?.add(b);
    const key = `${a}\0${b}`;
    hops.set(key, [...(hops.get(key) ?? []), found]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);

  return components
    .map((folders) => ({
      pkg,
      folders,
      hops: folders.flatMap((from) =>
        [...(edges.get(from) ?? [])]
          .filter((to) => folders.includes(to))
          .sort()
          .map((to) => ({
            from,
            to,
            imports: [...(hops.get(`${from}\0${to}`) ?? [])].sort((x, y) =>
              `${x.from} ${x.to}`.localeCompare(`${y.from} ${y.to}`),
            ),
          })),
      ),
    }))
    .sort((x, y) => x.folders.join().localeCompare(y.folders.join()));
}

/**
 * A cycle as the check prints it: the package and its folders; each pair of
 * them that import each other directly (`<->`) with all those imports; then
 * every other hop between them with one import that makes it.
 *
 * @param cycle A cycle {@linkcode checkImportCycles} found.
 * @returns The lines.
 *
 * @example
 * ```ts
 * console.error(formatImportCycle({ pkg: "packages/server", folders: ["db", "tasks"], hops: [] }));
 * // packages/server: db/ tasks/ import each other:
 * ```
 */
export function formatImportCycle(cycle: ImportCycle): string {
  const name = (folder: string) => (folder === "." ? "(root)" : `${folder}/`);
  const example = ({ imports: [first, ...more] }: FolderHop) =>
    `${first?.from} imports ${first?.to}${more.length === 0 ? "" : ` (and ${more.length} more)`}`;
  const backOf = (hop: FolderHop) => cycle.hops.find((other) => other.from === hop.to && other.to === hop.from);
  const lines = [`${cycle.pkg}: ${cycle.folders.map(name).join(" ")} import each other:`];
  // The folders that import each other directly first: the siblings' cycles.
  for (const hop of cycle.hops) {
    const back = backOf(hop);
    if (back === undefined || hop.from > hop.to) continue;
    lines.push(`  ${name(hop.from)} <-> ${name(hop.to)}:`);
    for (const { from, to } of [...hop.imports, ...back.imports]) lines.push(`    ${from} imports ${to}`);
  }
  for (const hop of cycle.hops.filter((hop) => backOf(hop) === undefined))
    lines.push(`  ${name(hop.from)} -> ${name(hop.to)}: ${example(hop)}`);
  return lines.join("\n");
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL("../", import.meta.url)));
  const cycles = checkImportCycles(root);
  for (const cycle of cycles) console.error(formatImportCycle(cycle));
  if (cycles.length > 0) {
    console.error(`${cycles.length} folder-level import cycle(s): move what both sides need into one folder`);
    process.exit(1);
  }
  console.log(`no folder-level import cycles in ${workspacePackages(root).length} packages`);
}
