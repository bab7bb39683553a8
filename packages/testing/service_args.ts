import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPOSITORY = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The service's Node arguments exactly as `npm start` runs it: the flags of
 * the root `start` script (the young generation's size among them, which
 * decides peak memory) and the entry point. Tests and benchmarks start the
 * service with these, so what they see is what a user's `npm start` does.
 *
 * @param root The checkout to run from (a copy of it, say). Defaults to this one.
 * @returns Arguments for `process.execPath`.
 *
 * @example
 * ```ts
 * spawn(process.execPath, serviceArgs(), { env });
 * ```
 */
export function serviceArgs(root: string = REPOSITORY): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  const words = scripts.start.split(/\s+/);
  if (words[0] !== "node") throw new Error(`the start script does not run node: ${scripts.start}`);
  return words.slice(1).map((word) => (/\.[jt]s$/.test(word) ? join(root, word) : word));
}
