import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";

/** What storage knows about one object. */
export interface ObjectStat {
  /** Size in bytes. */
  size: number;
  /**
   * What changes whenever the object does, as the store tells it: the S3 or
   * Azure ETag, or a local file's size, modification time (ns) and inode. A
   * hash recorded with it stays good while a later `stat` gives the same
   * version (and size).
   */
  version: string;
  /**
   * The object's full-object SHA-256 in lowercase hex, where the store holds
   * one (S3 objects uploaded with a SHA-256 checksum); never a composite
   * multipart checksum, which is no file hash.
   */
  sha256?: string | undefined;
}

/** Options of {@linkcode UrlSigner.sign}. */
export interface SignOptions {
  /** File name the download offers (`Content-Disposition`). */
  fileName: string;
  /** Media type the download declares, where known. */
  contentType?: string | undefined;
  /** When the link stops working; whole seconds. */
  expiresAt: Date;
  /**
   * The task the object belongs to. Links the service serves itself carry
   * it under their signature (to name where an expired link is renewed);
   * store-signed links ignore it.
   */
  taskId?: string | undefined;
  /**
   * The object's SHA-256 in lowercase hex, where known. Links the service
   * serves itself carry it under their signature and send it as
   * `Repr-Digest`; store-signed links ignore it.
   */
  sha256?: string | undefined;
}

/** Options of {@linkcode UrlSigner.write}. */
export interface WriteOptions {
  /** The object's media type, where the store keeps one. */
  contentType?: string | undefined;
}

/**
 * The storage port: turns an object's key into a temporary signed URL, says
 * whether an object exists and how large it is, and writes one. One adapter
 * per store (`local`, `s3`, `azure`), chosen by configuration in
 * `create_url_signer.ts` only, and all held to one conformance suite
 * (`@taskdl/storage/testing`). What an adapter needs of the service beyond
 * that is on the port too (`links`), so the service never asks which adapter
 * it has.
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
  /** Name of the adapter (`local`, `s3`, `azure`), for logs and messages. */
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
  /**
   * Opens an object for reading, whole, as a byte stream (for hashing it).
   * A stream that fails after it was opened fails with
   * {@linkcode StorageUnavailableError} or the store's own error; readers
   * treat any error of the stream as the store's fault.
   *
   * @throws {ObjectNotFoundError} When there is no such object.
   * @throws {StorageUnavailableError} When the store cannot be reached.
   */
  read(key: string): Promise<Readable>;
  /**
   * Reads one byte range of an object: `length` bytes from `offset`, fewer
   * where the object ends first, none when `offset` is at or past its end.
   * One ranged request to the store (`Range: bytes=…` on S3 and Azure, a
   * positioned read on local disk): headers of large files are read without
   * fetching the rest.
   *
   * @throws {RangeError} When `offset` or `length` is negative or not an integer.
   * @throws {ObjectNotFoundError} When there is no such object.
   * @throws {StorageUnavailableError} When the store cannot be reached.
   */
  readRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Writes an object whole, replacing what the key held (the demo's files, a
   * test's objects).
   *
   * @throws {StorageUnavailableError} When the store cannot be reached.
   */
  write(key: string, body: Uint8Array | string, options?: WriteOptions): Promise<void>;
  /**
   * Set when the adapter's links point back at this service (the `local`
   * adapter): the service hands requests under `links.prefix` to it.
   */
  readonly links?: LinkServer | undefined;
}

/** Why a link the service serves itself was refused. */
export type LinkRefusal = "unsigned" | "bad-signature" | "expired" | "missing";

/** A link the service refused: why, and for an expired link that names its task, where a fresh one comes from. */
export interface RefusedLink {
  /** Why it was refused. */
  readonly reason: LinkRefusal;
  /**
   * For an expired link that carries its task id (format 2): the task and the
   * file it was a link to, authentic since its signature was checked first.
   */
  readonly renew?: { readonly taskId: string; readonly fileName: string } | undefined;
}

/**
 * The service's side of links that point back at it: the adapter answers
 * `GET`/`HEAD` for them, and leaves refusals to the service, which answers
 * them in its own envelope.
 */
export interface LinkServer {
  /** The path the links start with under the service's origin (`/files/`). */
  readonly prefix: string;
  /**
   * Answers one request for a link: verifies it, then sends the object.
   *
   * @returns Why the link was refused (nothing has been written then), or `undefined` once answered.
   * @throws {StorageUnavailableError} When the store fails before anything was written.
   */
  serve(req: IncomingMessage, res: ServerResponse): Promise<RefusedLink | undefined>;
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
 * The store could not be reached or answered with a fault: a 503 for the
 * service, never a 500. The message says which adapter; the cause holds the
 * store's own error for the log.
 *
 * @example
 * ```ts
 * throw new StorageUnavailableError("local", { cause: error });
 * ```
 */
export class StorageUnavailableError extends Error {
  /** The adapter that failed. */
  readonly driver: string;

  /**
   * @param driver The adapter that failed.
   * @param options The underlying error.
   */
  constructor(driver: string, options?: ErrorOptions) {
    super(`Cannot reach ${driver} storage`, options);
    this.name = "StorageUnavailableError";
    this.driver = driver;
  }
}

/**
 * Checks the arguments of {@linkcode UrlSigner.readRange}, for adapters.
 *
 * @param offset The first byte.
 * @param length How many bytes.
 * @throws {RangeError} When either is negative or not a safe integer.
 *
 * @example
 * ```ts
 * checkRange(0, 16_384);
 * ```
 */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`Cannot read bytes ${offset}+${length}: offset and length must be non-negative integers`);
  }
}
