import { isAbsolute, resolve } from "node:path";

/** Resolves a configured path against the working directory. */
export function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
