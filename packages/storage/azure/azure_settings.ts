import { z } from "zod";
import { textVar } from "../settings/env_vars.ts";
import { parseVars } from "../settings/parse_vars.ts";
import { StorageSettingsError } from "../settings/storage_settings_error.ts";

/** The `azure` adapter's settings: SAS URLs on Azure Blob Storage. */
export interface AzureSettings {
  /** The driver. */
  driver: "azure";
  /** A connection string with an account key (SAS URLs are signed with it). */
  connectionString: string;
  /** The container. */
  container: string;
}

/** The variables of the `azure` adapter. */
export const AzureVars: z.ZodObject<{
  AZURE_STORAGE_CONNECTION_STRING: z.ZodOptional<z.ZodString>;
  AZURE_STORAGE_CONTAINER: z.ZodOptional<z.ZodString>;
}> = z.object({
  AZURE_STORAGE_CONNECTION_STRING: textVar("AZURE_STORAGE_CONNECTION_STRING").optional(),
  AZURE_STORAGE_CONTAINER: z
    .string()
    .trim()
    .regex(
      /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      "AZURE_STORAGE_CONTAINER must be a container name: 3–63 of a–z 0–9 -",
    )
    .optional(),
});

/**
 * Reads the `azure` adapter's settings: `AZURE_STORAGE_CONNECTION_STRING`
 * (with an `AccountKey`, or Azurite's `UseDevelopmentStorage=true`) and
 * `AZURE_STORAGE_CONTAINER`, both required.
 *
 * @param env The environment.
 * @returns The settings.
 * @throws {StorageSettingsError} When a variable is missing or invalid.
 *
 * @example
 * ```ts
 * azureSettings({ AZURE_STORAGE_CONNECTION_STRING: "…;AccountKey=…", AZURE_STORAGE_CONTAINER: "outputs" });
 * ```
 */
export function azureSettings(env: Record<string, string | undefined>): AzureSettings {
  const vars = parseVars(AzureVars, env);
  const connectionString = vars.AZURE_STORAGE_CONNECTION_STRING;
  if (connectionString === undefined) {
    throw new StorageSettingsError("AZURE_STORAGE_CONNECTION_STRING is required when STORAGE_DRIVER is azure");
  }
  if (vars.AZURE_STORAGE_CONTAINER === undefined) {
    throw new StorageSettingsError("AZURE_STORAGE_CONTAINER is required when STORAGE_DRIVER is azure");
  }
  if (!/AccountKey=/i.test(connectionString) && !/UseDevelopmentStorage=true/i.test(connectionString)) {
    throw new StorageSettingsError(
      "AZURE_STORAGE_CONNECTION_STRING must hold an AccountKey: SAS URLs are signed with it",
    );
  }
  return { driver: "azure", connectionString, container: vars.AZURE_STORAGE_CONTAINER };
}
