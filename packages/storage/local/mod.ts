/**
 * The `local` storage adapter: objects are files under a root folder, and
 * links point at the service's own `/files/…` route, signed with its HMAC
 * link keys ({@linkcode LocalUrlSigner}); {@linkcode LocalLinks} serves them.
 *
 * @example
 * ```ts
 * import { LocalUrlSigner } from "@taskdl/storage/local";
 * const signer = new LocalUrlSigner(".data/files", {
 *   baseUrl: "http://127.0.0.1:3000",
 *   keys: [{ kid: "k1", key: "a key of at least 32 bytes, kept secret" }],
 * });
 * ```
 *
 * @module
 */
export { LOCAL_FILES_PATH, LocalLinks } from "./local_links.ts";
export {
  KID_PATTERN,
  type LinkVerdict,
  LocalUrlSigner,
  type LocalUrlSignerOptions,
  type SigningKey,
  type VerifiedLink,
} from "./local_url_signer.ts";
