import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The service's Node arguments exactly as `npm start` runs it: the flags of
 * the root `start` script (the young generation's size among them, which
 * decides peak memory) and the entry point. Benchmarks start the service with
 * these, so their figures are the product's.
 *
 * @returns Arguments for `process.execPath`.
 *
 * @example
 * ```ts
 * spawn(process.execPath, serviceArgs(), { env });
 * ```
 */
export function serviceArgs(): string[] {
  const root = new URL("../../", import.meta.url);
  const { scripts } = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
    scripts: { start: string };
  };
  const words = scripts.start.split(/\s+/);
  if (words[0] !== "node") throw new Error(`the start script does not run node: ${scripts.start}`);
  return words.slice(1).map((word) => (word.endsWith(".ts") ? fileURLToPath(new URL(word, root)) : word));
}
