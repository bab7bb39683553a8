import { resolve } from "node:path";
import { absolute } from "./_absolute.ts";
import { secret } from "./_secret.ts";
import { ConfigError } from "./config_error.ts";

/** One HMAC key of the local driver's links, named so links say which key signed them. */
export interface SigningKey {
  /** The key's id, carried in each link. */
  kid: string;
  /** The key. */
  key: string;
}

/** The `local` driver: files under a folder, links served by the service. */
export interface LocalStorageConfig {
  driver: "local";
  /** Root folder (absolute). */
  localDir: string;
  /** The first signs; all verify (rotation). */
  signingKeys: SigningKey[];
}

/** The `s3` driver: presigned `GetObject` URLs on an S3-compatible store. */
export interface S3StorageConfig {
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

/** The `azure` driver: SAS URLs on Azure Blob Storage. */
export interface AzureStorageConfig {
  driver: "azure";
  /** A connection string with an account key (SAS URLs are signed with it). */
  connectionString: string;
  /** The container. */
  container: string;
}

/** Storage settings: one shape per driver. */
export type StorageConfig = LocalStorageConfig | S3StorageConfig | AzureStorageConfig;

/** The variables storage is configured by (already validated one by one). */
export interface StorageVars {
  STORAGE_DRIVER: StorageConfig["driver"];
  STORAGE_LOCAL_DIR?: string | undefined;
  URL_SIGNING_KEY?: string | undefined;
  URL_SIGNING_KEYS?: string | undefined;
  S3_BUCKET?: string | undefined;
  S3_REGION: string;
  S3_ENDPOINT?: string | undefined;
  S3_FORCE_PATH_STYLE?: boolean | undefined;
  AWS_ACCESS_KEY_ID?: string | undefined;
  AWS_SECRET_ACCESS_KEY?: string | undefined;
  AWS_SESSION_TOKEN?: string | undefined;
  AZURE_STORAGE_CONNECTION_STRING?: string | undefined;
  AZURE_STORAGE_CONTAINER?: string | undefined;
}

/** Where relative paths start, and how secrets are found. */
export interface StorageConfigContext {
  production: boolean;
  dataDir: string;
  notices: string[];
  cwd: string;
}

/** The longest lifetime S3 accepts for a presigned URL (SigV4): 7 days. */
export const S3_MAX_EXPIRES_IN = 604_800;

const KID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Builds the storage settings of the driver `STORAGE_DRIVER` names, checking
 * that the variables it needs are there.
 *
 * @param vars The validated variables.
 * @param context Production or not, the data folder, notices, working directory.
 * @returns The driver's settings.
 * @throws {ConfigError} When a variable the driver needs is missing or malformed.
 *
 * @example
 * ```ts
 * storageConfig({ STORAGE_DRIVER: "s3", S3_BUCKET: "outputs", S3_REGION: "eu-west-1" }, context);
 * ```
 */
export function storageConfig(vars: StorageVars, context: StorageConfigContext): StorageConfig {
  switch (vars.STORAGE_DRIVER) {
    case "local":
      return {
        driver: "local",
        localDir:
          vars.STORAGE_LOCAL_DIR === undefined
            ? resolve(context.dataDir, "files")
            : absolute(vars.STORAGE_LOCAL_DIR, context.cwd),
        signingKeys: signingKeys(vars, context),
      };
    case "s3": {
      if (vars.S3_BUCKET === undefined) throw new ConfigError("S3_BUCKET is required when STORAGE_DRIVER is s3");
      const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = vars;
      if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
        throw new ConfigError("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY together, or neither (default chain)");
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
    case "azure": {
      const connectionString = vars.AZURE_STORAGE_CONNECTION_STRING;
      if (connectionString === undefined) {
        throw new ConfigError("AZURE_STORAGE_CONNECTION_STRING is required when STORAGE_DRIVER is azure");
      }
      if (vars.AZURE_STORAGE_CONTAINER === undefined) {
        throw new ConfigError("AZURE_STORAGE_CONTAINER is required when STORAGE_DRIVER is azure");
      }
      if (!/AccountKey=/i.test(connectionString) && !/UseDevelopmentStorage=true/i.test(connectionString)) {
        throw new ConfigError("AZURE_STORAGE_CONNECTION_STRING must hold an AccountKey: SAS URLs are signed with it");
      }
      return { driver: "azure", connectionString, container: vars.AZURE_STORAGE_CONTAINER };
    }
  }
}

// URL_SIGNING_KEY=<key> is shorthand for URL_SIGNING_KEYS=default:<key>.
function signingKeys(vars: StorageVars, context: StorageConfigContext): SigningKey[] {
  if (vars.URL_SIGNING_KEYS === undefined) {
    return [{ kid: "default", key: secret("URL_SIGNING_KEY", vars.URL_SIGNING_KEY, context) }];
  }
  if (vars.URL_SIGNING_KEY !== undefined)
    throw new ConfigError("set either URL_SIGNING_KEY or URL_SIGNING_KEYS, not both");
  const keys = vars.URL_SIGNING_KEYS.split(",").map((pair) => {
    const colon = pair.indexOf(":");
    const kid = pair.slice(0, colon).trim();
    if (colon < 0 || !KID.test(kid) || pair.slice(colon + 1).trim() === "") {
      throw new ConfigError(
        "URL_SIGNING_KEYS must be kid:key pairs separated by commas (kid: 1–32 of A–Z a–z 0–9 _ -)",
      );
    }
    return { kid, key: secret(`URL_SIGNING_KEYS (${kid})`, pair.slice(colon + 1).trim(), context) };
  });
  if (new Set(keys.map(({ kid }) => kid)).size !== keys.length)
    throw new ConfigError("URL_SIGNING_KEYS names a kid twice");
  return keys;
}
