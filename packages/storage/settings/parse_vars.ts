import type { z } from "zod";
import { firstIssue } from "./env_vars.ts";
import { StorageSettingsError } from "./storage_settings_error.ts";

/** Parses an adapter's variables with its schema, or throws the first issue as a {@linkcode StorageSettingsError}. */
export function parseVars<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new StorageSettingsError(firstIssue(parsed.error, env));
  return parsed.data;
}
