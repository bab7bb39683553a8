import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The folders of the npm workspace's packages, sorted: the root
 * `package.json`'s `workspaces`, each a folder or `folder/*`, where a
 * `package.json` is.
 */
export function workspacePackages(root: string): string[] {
  const patterns: unknown = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces;
  return (Array.isArray(patterns) ? patterns : [])
    .flatMap((pattern: string) => {
      if (!pattern.endsWith("/*")) return [join(root, pattern)];
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) return [];
      return readdirSync(parent, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(parent, entry.name));
    })
    .filter((dir) => existsSync(join(dir, "package.json")))
    .sort();
}
