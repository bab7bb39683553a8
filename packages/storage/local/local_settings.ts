import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { textVar } from "../settings/env_vars.ts";
import { parseVars } from "../settings/parse_vars.ts";

/** The `local` adapter's settings: files under a folder, links served by the service. */
export interface LocalSettings {
  /** The driver. */
  driver: "local";
  /** Root folder of the objects (absolute). */
  root: string;
  /** The format new links are issued in (links of both formats are accepted): 2 unless set. */
  linkFormat: LocalLinkFormat;
}

/** The formats of local links: 1 (key, name, type, expiry), 2 (also the task id and SHA-256). */
export type LocalLinkFormat = 1 | 2;

/** The variables of the `local` adapter. */
export const LocalVars: z.ZodObject<{
  STORAGE_LOCAL_DIR: z.ZodOptional<z.ZodString>;
  STORAGE_LOCAL_LINK_FORMAT: z.ZodOptional<z.ZodPipe<z.ZodString, z.ZodTransform<LocalLinkFormat, string>>>;
}> = z.object({
  STORAGE_LOCAL_DIR: textVar("STORAGE_LOCAL_DIR").optional(),
  // 1 only while replicas of an older release still serve links (a rolling upgrade): they know no other.
  STORAGE_LOCAL_LINK_FORMAT: z
    .string()
    .trim()
    .refine((value) => value === "1" || value === "2", "STORAGE_LOCAL_LINK_FORMAT must be 1 or 2")
    .transform((value): LocalLinkFormat => (value === "1" ? 1 : 2))
    .optional(),
});

/** Where relative paths start, and the default root's folder. */
export interface LocalSettingsContext {
  /** The service's data folder (absolute): the root is `DATA_DIR/files` by default. */
  dataDir: string;
  /** The folder relative paths are resolved against. */
  cwd: string;
}

/**
 * Reads the `local` adapter's settings: `STORAGE_LOCAL_DIR`, or
 * `DATA_DIR/files` when unset, and `STORAGE_LOCAL_LINK_FORMAT` (2 when
 * unset).
 *
 * @param env The environment.
 * @param context The data folder and the working directory.
 * @returns The settings.
 * @throws {StorageSettingsError} When a variable is invalid.
 *
 * @example
 * ```ts
 * localSettings({}, { dataDir: "/srv/taskdl", cwd: "/" }); // { driver: "local", root: "/srv/taskdl/files", linkFormat: 2 }
 * ```
 */
export function localSettings(env: Record<string, string | undefined>, context: LocalSettingsContext): LocalSettings {
  const { STORAGE_LOCAL_DIR: dir, STORAGE_LOCAL_LINK_FORMAT: linkFormat = 2 } = parseVars(LocalVars, env);
  const root =
    dir === undefined ? resolve(context.dataDir, "files") : isAbsolute(dir) ? dir : resolve(context.cwd, dir);
  return { driver: "local", root, linkFormat };
}
