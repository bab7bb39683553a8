import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";

/**
 * The SHA-256 of a whole object from a `HeadObject` answer, in lowercase
 * hex, when S3 holds one: a `FULL_OBJECT` checksum (an upload with a
 * SHA-256, whole or multipart with full-object checksums). A `COMPOSITE`
 * checksum (the default of multipart uploads, `…-<parts>`) is a hash of the
 * parts' hashes, no file hash, and gives `undefined`.
 *
 * @param head The `HeadObject` answer (asked with `ChecksumMode: ENABLED`).
 * @returns The hex digest, or `undefined`.
 *
 * @example
 * ```ts
 * fullObjectSha256({ ChecksumSHA256: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", ChecksumType: "FULL_OBJECT" });
 * ```
 */
export function fullObjectSha256(
  head: Pick<HeadObjectCommandOutput, "ChecksumSHA256" | "ChecksumType">,
): string | undefined {
  const { ChecksumSHA256: checksum, ChecksumType: type } = head;
  if (checksum === undefined || type === "COMPOSITE") return undefined;
  // 32 bytes in base64; a composite one ends in -<parts>, whatever ChecksumType says (older stores send none).
  if (!/^[A-Za-z0-9+/]{43}=$/.test(checksum)) return undefined;
  return Buffer.from(checksum, "base64").toString("hex");
}
