import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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
