/**
 * A storage setting is missing or invalid. The message names the variable
 * and never repeats a secret's value; the service prefixes it with
 * `Invalid configuration: `.
 *
 * @example
 * ```ts
 * throw new StorageSettingsError("S3_BUCKET is required when STORAGE_DRIVER is s3");
 * ```
 */
export class StorageSettingsError extends Error {
  /**
   * @param detail What is wrong, naming the variable.
   */
  constructor(detail: string) {
    super(detail);
    this.name = "StorageSettingsError";
  }
}
