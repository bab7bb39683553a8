import { createHash } from "node:crypto";
import { ObjectNotFoundError, StorageUnavailableError, type UrlSigner } from "./url_signer.ts";

/** Options of {@linkcode hashObject}. */
export interface HashObjectOptions {
  /**
   * The size `stat` gave: a read of another length means the object changed
   * while it was read, and its hash would be of neither version.
   */
  expectedSize?: number | undefined;
}

/** What {@linkcode hashObject} found. */
export interface ObjectHash {
  /** SHA-256 in lowercase hex. */
  sha256: string;
  /** How many bytes were read. */
  bytes: number;
}

/**
 * Streams one object through the storage port and hashes it with SHA-256,
 * never holding more than a chunk of it in memory.
 *
 * @param signer The storage adapter.
 * @param key The object's key.
 * @param options The size the object should have.
 * @returns The digest in lowercase hex, and the bytes read.
 * @throws {ObjectNotFoundError} When there is no such object.
 * @throws {StorageUnavailableError} When the store fails, before or during the read, or the object changed meanwhile.
 *
 * @example
 * ```ts
 * const { sha256 } = await hashObject(signer, "tasks/1/a.pdf", { expectedSize: 1024 });
 * ```
 */
export async function hashObject(signer: UrlSigner, key: string, options: HashObjectOptions = {}): Promise<ObjectHash> {
  const { expectedSize } = options;
  const stream = await signer.read(key);
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Uint8Array);
      bytes += (chunk as Uint8Array).byteLength;
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof ObjectNotFoundError || error instanceof StorageUnavailableError) throw error;
    throw new StorageUnavailableError(signer.driver, { cause: error });
  }
  if (expectedSize !== undefined && bytes !== expectedSize) {
    throw new StorageUnavailableError(signer.driver, {
      cause: new Error(`Cannot hash "${key}": read ${bytes} bytes of ${expectedSize}, the object changed meanwhile`),
    });
  }
  return { sha256: hash.digest("hex"), bytes };
}
