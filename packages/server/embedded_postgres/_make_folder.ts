import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Creates a folder and any missing parents, each with exactly `mode`
 * whatever the umask (a root umask of 077 would otherwise shut the
 * `postgres` user out of folders made for it). Existing folders are left
 * as they are.
 *
 * @param path The folder (absolute).
 * @param mode The mode of every folder this call creates.
 */
export function makeFolder(path: string, mode: number): void {
  if (existsSync(path)) return;
  makeFolder(dirname(path), mode);
  try {
    mkdirSync(path, { mode });
  } catch (error) {
    // Made by someone else in between: as good as made here.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return;
  }
  chmodSync(path, mode);
}
