/**
 * The storage port of taskdl and its adapters: turn an object's key into a
 * temporary signed download URL, find an object's size and version, read
 * one (and hash it, {@linkcode hashObject}), write one. The port
 * ({@linkcode UrlSigner}) and the settings of every adapter are here, free of
 * any cloud SDK; the adapters are subpaths, each loading its SDK only when
 * imported: `@taskdl/storage/local`, `@taskdl/storage/s3` (needs
 * `@aws-sdk/client-s3`, `@aws-sdk/s3-request-presigner`, `@aws-sdk/core`,
 * `@smithy/core`), `@taskdl/storage/azure` (needs `@azure/storage-blob`).
 * {@linkcode createUrlSigner} picks one from settings. Every adapter passes
 * one conformance suite, `@taskdl/storage/testing`.
 *
 * @example
 * ```ts
 * import { createUrlSigner, storageSettings } from "@taskdl/storage";
 * const signer = await createUrlSigner(storageSettings(process.env, { dataDir: ".data", cwd: process.cwd() }), {
 *   publicBaseUrl: "http://127.0.0.1:3000",
 *   linkKeys: [{ kid: "default", key: "a key of at least 32 bytes, kept secret" }],
 * });
 * const url = await signer.sign("runs/1/ndvi.tif", { fileName: "ndvi.tif", expiresAt: new Date(Date.now() + 600_000) });
 * ```
 *
 * @module
 */
export { contentDisposition } from "./port/content_disposition.ts";
export { DEFAULT_CONTENT_TYPE, guessContentType } from "./port/content_type.ts";
export { createUrlSigner, type CreateUrlSignerOptions } from "./create_url_signer.ts";
export { hashObject, type HashObjectOptions, type ObjectHash } from "./port/hash_object.ts";
export { booleanVar, firstIssue, httpUrlVar, integerVar, textVar } from "./settings/env_vars.ts";
export { type AzureSettings, azureSettings, AzureVars } from "./azure/azure_settings.ts";
export { KID_PATTERN, type SigningKey } from "./local/local_url_signer.ts";
export {
  type LocalLinkFormat,
  type LocalSettings,
  type LocalSettingsContext,
  localSettings,
  LocalVars,
} from "./local/local_settings.ts";
export { S3_MAX_EXPIRES_IN, type S3Settings, s3Settings, S3Vars } from "./s3/s3_settings.ts";
export { STORAGE_DRIVERS, type StorageSettings, storageSettings } from "./storage_settings.ts";
export { StorageSettingsError } from "./settings/storage_settings_error.ts";
export {
  type LinkRefusal,
  type RefusedLink,
  type LinkServer,
  ObjectNotFoundError,
  type ObjectStat,
  type SignOptions,
  StorageUnavailableError,
  type UrlSigner,
  type WriteOptions,
} from "./port/url_signer.ts";
