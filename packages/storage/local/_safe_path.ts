import { realpath } from "node:fs/promises";
import { resolve, sep } from "node:path";

/**
 * Resolves a storage key to a real path inside `root`, following symlinks,
 * and refuses anything that ends up outside it (`..`, absolute keys,
 * symlinks pointing out). Returns `undefined` for a missing or escaping path.
 */
export async function safeStoragePath(root: string, key: string): Promise<string | undefined> {
  if (key === "" || key.includes("\0") || key.includes("\\")) return undefined;
  const lexical = resolve(root, key);
  if (!lexical.startsWith(root + sep)) return undefined;
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(lexical), realpath(root)]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "ENAMETOOLONG") return undefined;
    throw error;
  }
  return real.startsWith(realRoot + sep) ? real : undefined;
}
