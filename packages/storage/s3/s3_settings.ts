import { z } from "zod";
import { booleanVar, httpUrlVar, textVar } from "../settings/env_vars.ts";
import { parseVars } from "../settings/parse_vars.ts";
import { StorageSettingsError } from "../settings/storage_settings_error.ts";

/** The longest lifetime S3 accepts for a presigned URL (SigV4): 7 days. */
export const S3_MAX_EXPIRES_IN = 604_800;

/** The `s3` adapter's settings: presigned `GetObject` URLs on an S3-compatible store. */
export interface S3Settings {
  /** The driver. */
  driver: "s3";
  /** The bucket. */
  bucket: string;
  /** The region the URLs are signed for. */
  region: string;
  /** An endpoint other than AWS (MinIO, R2, Ceph …). */
  endpoint: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`) instead of virtual-hosted ones. */
  forcePathStyle: boolean;
  /** Static credentials; unset means the AWS SDK's default provider chain. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

/** The variables of the `s3` adapter. */
export const S3Vars: z.ZodObject<{
  S3_BUCKET: z.ZodOptional<z.ZodString>;
  S3_REGION: z.ZodDefault<z.ZodString>;
  S3_ENDPOINT: z.ZodOptional<z.ZodString>;
  S3_FORCE_PATH_STYLE: z.ZodOptional<z.ZodPipe<z.ZodString, z.ZodTransform<boolean, string>>>;
  AWS_ACCESS_KEY_ID: z.ZodOptional<z.ZodString>;
  AWS_SECRET_ACCESS_KEY: z.ZodOptional<z.ZodString>;
  AWS_SESSION_TOKEN: z.ZodOptional<z.ZodString>;
}> = z.object({
  S3_BUCKET: textVar("S3_BUCKET").optional(),
  S3_REGION: textVar("S3_REGION").default("us-east-1"),
  S3_ENDPOINT: httpUrlVar("S3_ENDPOINT").optional(),
  S3_FORCE_PATH_STYLE: booleanVar("S3_FORCE_PATH_STYLE").optional(),
  AWS_ACCESS_KEY_ID: textVar("AWS_ACCESS_KEY_ID").optional(),
  AWS_SECRET_ACCESS_KEY: textVar("AWS_SECRET_ACCESS_KEY").optional(),
  AWS_SESSION_TOKEN: textVar("AWS_SESSION_TOKEN").optional(),
});

/**
 * Reads the `s3` adapter's settings: `S3_BUCKET` (required), `S3_REGION`,
 * `S3_ENDPOINT`, `S3_FORCE_PATH_STYLE`, and static credentials
 * (`AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY`, optionally
 * `AWS_SESSION_TOKEN`) or none, for the AWS SDK's default chain.
 *
 * @param env The environment.
 * @returns The settings.
 * @throws {StorageSettingsError} When a variable is missing or invalid.
 *
 * @example
 * ```ts
 * s3Settings({ S3_BUCKET: "outputs", S3_REGION: "eu-west-1" }).bucket; // "outputs"
 * ```
 */
export function s3Settings(env: Record<string, string | undefined>): S3Settings {
  const vars = parseVars(S3Vars, env);
  if (vars.S3_BUCKET === undefined) throw new StorageSettingsError("S3_BUCKET is required when STORAGE_DRIVER is s3");
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = vars;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new StorageSettingsError(
      "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY together, or neither (default chain)",
    );
  }
  return {
    driver: "s3",
    bucket: vars.S3_BUCKET,
    region: vars.S3_REGION,
    endpoint: vars.S3_ENDPOINT?.replace(/\/+$/, ""),
    forcePathStyle: vars.S3_FORCE_PATH_STYLE ?? false,
    credentials:
      accessKeyId === undefined || secretAccessKey === undefined
        ? undefined
        : {
            accessKeyId,
            secretAccessKey,
            ...(vars.AWS_SESSION_TOKEN === undefined ? {} : { sessionToken: vars.AWS_SESSION_TOKEN }),
          },
  };
}
