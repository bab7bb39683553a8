import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../startup/startup_error.ts";

/** What {@linkcode persistedSecret} found or made. */
export interface PersistedSecret {
  /** The secret. */
  value: string;
  /** Where it is kept. */
  path: string;
  /** Whether this call generated it (first run on this data folder). */
  generated: boolean;
}

/**
 * Reads a development secret kept in `DATA_DIR/secrets/NAME`, generating
 * 32 random bytes there (mode 0600) the first time. Only used outside
 * production, so that `npm start` works without any configuration and tokens
 * stay valid across restarts.
 *
 * @param dataDir The data folder.
 * @param name The variable the secret stands in for (`JWT_SECRET`).
 * @returns The secret, where it is kept, and whether it was generated now.
 *
 * @example
 * ```ts
 * const { value, generated } = persistedSecret(".data", "JWT_SECRET");
 * ```
 */
export function persistedSecret(dataDir: string, name: string): PersistedSecret {
  try {
    return keptOrGenerated(dataDir, name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === undefined ? undefined : FOLDER_PROBLEMS[code];
    if (why === undefined) throw error;
    throw new StartupError(
      `Cannot write to the data folder ${dataDir} (DATA_DIR): ${why}. taskdl keeps its development secrets ` +
        "there (and, without DATABASE_URL, its embedded PostgreSQL). Set DATA_DIR to a folder you can write " +
        "(DATA_DIR=$HOME/taskdl-data npm start), or fix the folder's permissions",
      { cause: error },
    );
  }
}

// What the file system said, in words: each one means the data folder cannot be used as it is.
const FOLDER_PROBLEMS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOTDIR: "a file is in the way where a folder should be",
  EEXIST: "a file is in the way where a folder should be",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
};

function keptOrGenerated(dataDir: string, name: string): PersistedSecret {
  const path = join(dataDir, "secrets", name);
  const existing = readSecret(path);
  if (existing !== undefined) return { value: existing, path, generated: false };
  // The data folder keeps default permissions: the embedded PostgreSQL, run as
  // another user when we are root, must reach DATA_DIR/pg through it.
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(join(dataDir, "secrets"), { recursive: true, mode: 0o700 });
  const value = randomBytes(32).toString("base64url");
  try {
    // "wx": two processes starting together must not overwrite each other's secret.
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const raced = readSecret(path);
    if (raced === undefined) throw new Error(`Cannot read secret ${path}: file is empty`);
    return { value: raced, path, generated: false };
  }
  return { value, path, generated: true };
}

function readSecret(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const value = text.trim();
  if (value === "") throw new Error(`Cannot read secret ${path}: file is empty`);
  return value;
}
