import { UnavailableError } from "../errors/unavailable_error.ts";

/** What storage knows about one object. */
export interface ObjectStat {
  /** Size in bytes. */
  size: number;
}

/** Options of {@linkcode UrlSigner.sign}. */
export interface SignOptions {
  /** File name the download offers (`Content-Disposition`). */
  fileName: string;
  /** Media type the download declares, where known. */
  contentType?: string | undefined;
  /** When the link stops working; whole seconds. */
  expiresAt: Date;
}

/**
 * The storage port: turns an object's key into a temporary signed URL, and
 * says whether an object exists and how large it is. One adapter per store
 * (`local` now; S3-compatible and Azure Blob fit the same shape), chosen by
 * configuration in `create_url_signer.ts` only, and all held to one
 * conformance suite (`_url_signer_conformance.ts`).
 *
 * @example
 * ```ts
 * const url = await signer.sign("tasks/1/a.pdf", {
 *   fileName: "a.pdf",
 *   expiresAt: new Date(Date.now() + 3_600_000),
 * });
 * ```
 */
export interface UrlSigner {
  /** Name of the adapter (`local`). */
  readonly driver: string;
  /**
   * Signs a URL for one object with one expiry. Must not do I/O per call:
   * a task can have thousands of outputs.
   */
  sign(key: string, options: SignOptions): string | Promise<string>;
  /**
   * Finds an object's size.
   *
   * @throws {ObjectNotFoundError} When there is no such object.
   * @throws {StorageUnavailableError} When the store cannot be reached.
   */
  stat(key: string): Promise<ObjectStat>;
}

/**
 * No object with this key exists in storage (or it is not a regular file,
 * or it lies outside the storage root).
 *
 * @example
 * ```ts
 * throw new ObjectNotFoundError("tasks/1/a.pdf");
 * ```
 */
export class ObjectNotFoundError extends Error {
  /** The key that was looked up. */
  readonly key: string;

  /**
   * @param key The key that was looked up.
   */
  constructor(key: string) {
    super(`Cannot find object "${key}" in storage`);
    this.name = "ObjectNotFoundError";
    this.key = key;
  }
}

/**
 * The store could not be reached or answered with a fault. The message says
 * which adapter; the cause holds the store's own error for the log.
 *
 * @example
 * ```ts
 * throw new StorageUnavailableError("local", { cause: error });
 * ```
 */
export class StorageUnavailableError extends UnavailableError {
  /**
   * @param driver The adapter that failed.
   * @param options The underlying error.
   */
  constructor(driver: string, options?: ErrorOptions) {
    super(`Cannot reach ${driver} storage`, options);
    this.name = "StorageUnavailableError";
  }
}
