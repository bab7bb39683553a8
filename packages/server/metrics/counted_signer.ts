import type { Readable } from "node:stream";
import {
  ObjectNotFoundError,
  type ObjectStat,
  type SignOptions,
  type UrlSigner,
  type WriteOptions,
} from "@taskdl/storage";

/**
 * The storage adapter with its failures counted (`taskdl_storage_errors_total{driver}`):
 * a call that throws or rejects counts once, except a missing object, which
 * is an answer, not a fault. A synchronous `sign` stays synchronous. Only
 * installed when metrics are on.
 *
 * @param signer The adapter.
 * @param onError Called with the driver on each failure.
 * @returns The same adapter, counted.
 *
 * @example
 * ```ts
 * const signer = countedSigner(await createUrlSigner(settings), (driver) => metrics.storageError(driver));
 * ```
 */
export function countedSigner(signer: UrlSigner, onError: (driver: string) => void): UrlSigner {
  const { driver } = signer;
  const fault = (error: unknown): never => {
    if (!(error instanceof ObjectNotFoundError)) onError(driver);
    throw error;
  };
  return {
    driver,
    links: signer.links,
    sign(key: string, options: SignOptions): string | Promise<string> {
      let url: string | Promise<string>;
      try {
        url = signer.sign(key, options);
      } catch (error) {
        return fault(error);
      }
      return typeof url === "string" ? url : url.catch(fault);
    },
    stat: (key: string): Promise<ObjectStat> => signer.stat(key).catch(fault),
    // Opening the stream counts; a stream that fails later is the hashing's to report (ingest answers 503).
    read: (key: string): Promise<Readable> => signer.read(key).catch(fault),
    readRange: (key: string, offset: number, length: number): Promise<Uint8Array> =>
      signer.readRange(key, offset, length).catch(fault),
    write: (key: string, body: Uint8Array | string, options?: WriteOptions): Promise<void> =>
      signer.write(key, body, options).catch(fault),
  };
}
