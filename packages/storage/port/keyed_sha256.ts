import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from "node:crypto";

/** How a cloud adapter computes its signatures' HMACs. */
export interface HmacOptions {
  /** `false`: with the SDK's own code, which imports the key for every URL (kept for the benchmark). Default `true`. */
  keyedHmac?: boolean;
}

/** What the cloud SDKs hash: text (in an encoding), bytes, or a buffer. */
export type SourceData = string | ArrayBuffer | ArrayBufferView;

// HMAC with a raw key imports it into a KeyObject on every call, which is most of what signing a URL costs
// (the local adapter's links measured it: about 6x). Imported keys are kept here, by the key's own object:
// the SDK keeps the keys it derives (SigV4's signing key of the day) and passes the same bytes each time.
const BYTE_KEYS = new WeakMap<object, KeyObject>();
const TEXT_KEYS = new Map<string, KeyObject>();
const MAX_TEXT_KEYS = 16;

/**
 * The key as a `KeyObject`, imported once per key object (or text).
 *
 * @param secret The HMAC key.
 * @returns The imported key.
 */
export function hmacKey(secret: SourceData): KeyObject {
  if (typeof secret === "string") {
    let key = TEXT_KEYS.get(secret);
    if (key === undefined) {
      // A few texts at most (a credential's secret, once a day): the oldest goes when more come.
      if (TEXT_KEYS.size >= MAX_TEXT_KEYS) TEXT_KEYS.delete(TEXT_KEYS.keys().next().value as string);
      TEXT_KEYS.set(secret, (key = createSecretKey(Buffer.from(secret, "utf8"))));
    }
    return key;
  }
  let key = BYTE_KEYS.get(secret);
  if (key === undefined) BYTE_KEYS.set(secret, (key = createSecretKey(bytesOf(secret))));
  return key;
}

/**
 * SHA-256, or HMAC-SHA256 when given a key, in the shape the AWS SDK's
 * signers take as their `sha256` constructor (`new Sha256(secret?)`,
 * `update`, `digest`, `reset`), with each key imported once
 * ({@linkcode hmacKey}). The SDK still does all of SigV4; only the HMAC is
 * faster. The bytes a key is given as must not change afterwards (the SDK's
 * never do).
 *
 * @example
 * ```ts
 * const presigner = new S3RequestPresigner({ credentials, region, sha256: KeyedSha256 });
 * ```
 */
export class KeyedSha256 {
  #secret: SourceData | undefined;
  #hash: Hash | Hmac;

  /** @param secret The HMAC key; none for a plain SHA-256. */
  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#hash = this.#start();
  }

  /**
   * Adds data to the hash.
   *
   * @param data Text (UTF-8 unless `encoding` says otherwise) or bytes.
   * @param encoding The text's encoding.
   */
  update(data: SourceData, encoding?: "utf8" | "ascii" | "latin1" | "base64" | "hex"): void {
    if (typeof data === "string") this.#hash.update(data, encoding ?? "utf8");
    else this.#hash.update(bytesOf(data));
  }

  /** @returns The digest of everything added. */
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest());
  }

  /** Starts over, with the same key. */
  reset(): void {
    this.#hash = this.#start();
  }

  #start(): Hash | Hmac {
    // As the SDK's own: no key or an empty text is a plain hash; empty bytes are an empty HMAC key.
    const secret = this.#secret;
    if (secret === undefined || secret === "") return createHash("sha256");
    if (typeof secret !== "string" && secret.byteLength === 0) return createHmac("sha256", Buffer.alloc(0));
    return createHmac("sha256", hmacKey(secret));
  }
}

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}
