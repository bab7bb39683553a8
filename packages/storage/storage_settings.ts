import { z } from "zod";
import { type AzureSettings, azureSettings } from "./azure/azure_settings.ts";
import { type LocalSettings, type LocalSettingsContext, localSettings } from "./local/local_settings.ts";
import { parseVars } from "./settings/parse_vars.ts";
import { type S3Settings, s3Settings } from "./s3/s3_settings.ts";

/** The storage drivers, by the name `STORAGE_DRIVER` gives them. */
export const STORAGE_DRIVERS: readonly ["local", "s3", "azure"] = ["local", "s3", "azure"];

/** One adapter's settings; `driver` says which. */
export type StorageSettings = LocalSettings | S3Settings | AzureSettings;

const DriverVar = z.object({
  STORAGE_DRIVER: z
    .enum(STORAGE_DRIVERS, { error: `STORAGE_DRIVER must be one of ${STORAGE_DRIVERS.join(", ")}` })
    .default("local"),
});

/**
 * Reads the settings of the adapter `STORAGE_DRIVER` names (`local` by
 * default) from the environment: each adapter reads its own variables.
 *
 * @param env The environment.
 * @param context The data folder and working directory (the `local` root's default).
 * @returns The chosen adapter's settings.
 * @throws {StorageSettingsError} When a variable is missing or invalid; the message names it.
 *
 * @example
 * ```ts
 * const settings = storageSettings(process.env, { dataDir: "/srv/taskdl", cwd: process.cwd() });
 * const signer = await createUrlSigner(settings, { publicBaseUrl, linkKeys });
 * ```
 */
export function storageSettings(
  env: Record<string, string | undefined>,
  context: LocalSettingsContext,
): StorageSettings {
  const { STORAGE_DRIVER: driver } = parseVars(DriverVar, env);
  switch (driver) {
    case "local":
      return localSettings(env, context);
    case "s3":
      return s3Settings(env);
    case "azure":
      return azureSettings(env);
  }
}
