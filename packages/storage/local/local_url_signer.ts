import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
import { mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { keyPath } from "../port/key_path.ts";
import {
  checkRange,
  type LinkRefusal,
  type LinkServer,
  ObjectNotFoundError,
  type ObjectStat,
  type SignOptions,
  StorageUnavailableError,
  type UrlSigner,
} from "../port/url_signer.ts";
import { safeStoragePath } from "./_safe_path.ts";
import { LOCAL_FILES_PATH, LocalLinks } from "./local_links.ts";
import type { LocalLinkFormat } from "./local_settings.ts";

/** One HMAC key of the local links, named so links say which key signed them. */
export interface SigningKey {
  /** The key's id, carried in each link: 1–32 of `A–Z a–z 0–9 _ -`. */
  kid: string;
  /** The key. */
  key: string;
}

/** Options of {@linkcode LocalUrlSigner}. */
export interface LocalUrlSignerOptions {
  /** Origin (and optional path prefix) the links start with, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** HMAC-SHA256 keys of the links: the first signs, all verify, so keys can rotate. */
  keys: readonly SigningKey[];
  /**
   * The format new links are issued in; links of both formats verify.
   * Defaults to 2. Format 1 is for a rolling upgrade, while replicas that
   * know only format 1 still serve links.
   */
  linkFormat?: LocalLinkFormat;
}

/** A link that passed verification. */
export interface VerifiedLink {
  /** The object's key. */
  key: string;
  /** Name for `Content-Disposition`. */
  fileName: string;
  /** Media type, where the link carries one. */
  contentType: string | undefined;
  /** Expiry in Unix seconds. */
  expiresAt: number;
  /** The link's format: 1 (before task ids and digests), 2. */
  format: LocalLinkFormat;
  /** The task the object belongs to, where the link carries it (format 2). */
  taskId: string | undefined;
  /** The object's SHA-256 in lowercase hex, where the link carries it (format 2). */
  sha256: string | undefined;
}

/** What {@linkcode LocalUrlSigner.verify} concluded. */
export type LinkVerdict =
  | { ok: true; link: VerifiedLink }
  | { ok: false; reason: Exclude<LinkRefusal, "missing">; renew?: { taskId: string; fileName: string } };

const SIGNATURE_BYTES = 32;
/** What a key id may be: it travels in links unescaped. */
export const KID_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,32}$/;
// Format 1 has no `v`; format 2 says `v=2`, so a replica that knows only format 1 refuses it instead of misreading it.
const LINK_PARAMS: Record<LocalLinkFormat, Set<string>> = {
  1: new Set(["exp", "fn", "ct", "kid", "sig"]),
  2: new Set(["v", "exp", "fn", "ct", "tid", "sha256", "kid", "sig"]),
};
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The `local` storage adapter: objects are files under a root folder, and
 * links point at this service's own `/files/…` route. A link is signed with
 * HMAC-SHA256 over everything that identifies it (key, file name, media
 * type, expiry, the id of the signing key, and in format 2 the task id and
 * the object's SHA-256), so none of them can be changed without the key.
 * Links are verified without the database: what the download sends
 * (`Repr-Digest`) travels in the link. Format 2 links start with `v=2`;
 * format 1 links (no `v`, issued before it) are still accepted until they
 * expire, so a deploy breaks no link. Keys rotate: the first configured key signs, every
 * configured key verifies, and a link whose key was removed stops working.
 * The service serves the links through {@linkcode LocalUrlSigner.links}.
 *
 * @example
 * ```ts
 * const signer = new LocalUrlSigner(".data/files", { baseUrl: "http://127.0.0.1:3000", keys: [{ kid: "k1", key }] });
 * const url = signer.sign("tasks/1/a.pdf", { fileName: "a.pdf", expiresAt: new Date(Date.now() + 60_000) });
 * ```
 */
export class LocalUrlSigner implements UrlSigner {
  /** @inheritdoc */
  readonly driver = "local";
  /** The storage root (absolute). */
  readonly root: string;
  /** @inheritdoc */
  readonly links: LinkServer;
  #filesUrl: string;
  #signing: { kid: string; key: KeyObject };
  #keys: Map<string, KeyObject>;
  #format: LocalLinkFormat;

  /**
   * @param root The storage root folder.
   * @param options Where links point and the key that signs them.
   */
  constructor(root: string, options: LocalUrlSignerOptions) {
    const { baseUrl, keys, linkFormat = 2 } = options;
    if (linkFormat !== 1 && linkFormat !== 2) throw new TypeError(`Cannot issue links in format ${linkFormat}: 1 or 2`);
    this.#format = linkFormat;
    const first = keys[0];
    if (first === undefined) throw new TypeError("Cannot create a local URL signer without a signing key");
    for (const { kid } of keys) {
      if (!KID_PATTERN.test(kid))
        throw new TypeError(`Cannot use key id ${JSON.stringify(kid)}: 1–32 of A–Z a–z 0–9 _ -`);
    }
    this.root = resolve(root);
    this.#filesUrl = `${baseUrl.replace(/\/+$/, "")}${LOCAL_FILES_PATH}`;
    // Imported once as KeyObjects: HMAC with a raw Buffer key re-imports it on every call (about 6x slower).
    this.#keys = new Map(keys.map(({ kid, key }) => [kid, createSecretKey(Buffer.from(key, "utf8"))]));
    this.#signing = { kid: first.kid, key: this.#keys.get(first.kid) as KeyObject };
    this.links = new LocalLinks(this);
  }

  /** @inheritdoc */
  sign(key: string, options: SignOptions): string {
    const { fileName, contentType, expiresAt, taskId, sha256 } = options;
    const exp = Math.floor(expiresAt.getTime() / 1000);
    const { kid, key: secret } = this.#signing;
    // Built by hand (kid and sig are URL-safe already): URLSearchParams costs a third of the time here.
    const ct = contentType === undefined ? "" : `&ct=${encodeURIComponent(contentType)}`;
    if (this.#format === 1) {
      const sig = signature(secret, ["v1", kid, key, fileName, contentType ?? null, exp]).toString("base64url");
      return `${this.#filesUrl}${keyPath(key)}?exp=${exp}&fn=${encodeURIComponent(fileName)}${ct}&kid=${kid}&sig=${sig}`;
    }
    if (sha256 !== undefined && !SHA256_HEX.test(sha256)) {
      throw new TypeError(`Cannot sign a link for "${fileName}": sha256 must be 64 lowercase hex digits`);
    }
    const sig = signature(secret, [
      "v2",
      kid,
      key,
      fileName,
      contentType ?? null,
      exp,
      taskId ?? null,
      sha256 ?? null,
    ]).toString("base64url");
    const tid = taskId === undefined ? "" : `&tid=${encodeURIComponent(taskId)}`;
    const digest = sha256 === undefined ? "" : `&sha256=${sha256}`;
    return (
      `${this.#filesUrl}${keyPath(key)}?v=2&exp=${exp}&fn=${encodeURIComponent(fileName)}${ct}${tid}${digest}` +
      `&kid=${kid}&sig=${sig}`
    );
  }

  /** @inheritdoc */
  async stat(key: string): Promise<ObjectStat> {
    const path = await this.resolve(key);
    if (path === undefined) throw new ObjectNotFoundError(key);
    try {
      const stats = await stat(path, { bigint: true });
      if (!stats.isFile()) throw new ObjectNotFoundError(key);
      // A write renames a new file into place (a new inode); an edit in place moves the modification time.
      return { size: Number(stats.size), version: `${stats.size}-${stats.mtimeNs}-${stats.ino}` };
    } catch (error) {
      throw this.#fault(key, error);
    }
  }

  /** @inheritdoc */
  async read(key: string): Promise<Readable> {
    const path = await this.resolve(key);
    if (path === undefined) throw new ObjectNotFoundError(key);
    try {
      const handle = await open(path, "r");
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        throw new ObjectNotFoundError(key);
      }
      // 1 MiB reads: with the default 64 KiB, hashing spends a third of its time on read calls.
      return handle.createReadStream({ autoClose: true, highWaterMark: 1024 * 1024 });
    } catch (error) {
      throw this.#fault(key, error);
    }
  }

  /** @inheritdoc */
  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length);
    const path = await this.resolve(key);
    if (path === undefined) throw new ObjectNotFoundError(key);
    try {
      const handle = await open(path, "r");
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) throw new ObjectNotFoundError(key);
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, stats.size - offset)));
        let done = 0;
        while (done < buffer.length) {
          const { bytesRead } = await handle.read(buffer, done, buffer.length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return new Uint8Array(buffer.buffer, buffer.byteOffset, done);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw this.#fault(key, error);
    }
  }

  #fault(key: string, error: unknown): Error {
    if (error instanceof ObjectNotFoundError) return error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new ObjectNotFoundError(key);
    return new StorageUnavailableError(this.driver, { cause: error });
  }

  /** @inheritdoc */
  async write(key: string, body: Uint8Array | string): Promise<void> {
    const path = resolve(this.root, key);
    if (!path.startsWith(`${this.root}${sep}`) || key.includes("\0")) {
      throw new RangeError(`Cannot write "${key}": outside the storage root`);
    }
    // Written beside and renamed into place: a reader never sees half a file.
    const partial = `${path}.partial-${process.pid}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(partial, body);
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw new StorageUnavailableError(this.driver, { cause: error });
    }
  }

  /**
   * Resolves a key to a real path inside the root, or `undefined` when there
   * is no such file or the key would leave the root (also through symlinks).
   *
   * @param key The object's key.
   * @returns The real path, or `undefined`.
   */
  async resolve(key: string): Promise<string | undefined> {
    try {
      return await safeStoragePath(this.root, key);
    } catch (error) {
      throw new StorageUnavailableError(this.driver, { cause: error });
    }
  }

  /**
   * Checks a link's signature and expiry. The signature is checked first
   * and compared in constant time, so a tampered link is refused as such
   * even when it has also expired.
   *
   * @param key The key from the link's path (decoded).
   * @param params The link's query parameters.
   * @param now The current time (milliseconds).
   * @returns The verified link, or why it was refused.
   */
  verify(key: string, params: URLSearchParams, now: number = Date.now()): LinkVerdict {
    const version = params.get("v");
    if (version !== null && version !== "2") return { ok: false, reason: "bad-signature" };
    const format: LocalLinkFormat = version === null ? 1 : 2;
    for (const name of params.keys()) {
      if (!LINK_PARAMS[format].has(name) || params.getAll(name).length !== 1) {
        return { ok: false, reason: "bad-signature" };
      }
    }
    const sig = params.get("sig");
    const expText = params.get("exp");
    const fileName = params.get("fn");
    const kid = params.get("kid");
    if (sig === null || expText === null || fileName === null || kid === null) return { ok: false, reason: "unsigned" };
    const contentType = params.get("ct") ?? undefined;
    if (!/^\d{1,12}$/.test(expText) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return { ok: false, reason: "bad-signature" };
    const secret = this.#keys.get(kid);
    if (secret === undefined) return { ok: false, reason: "bad-signature" };
    const exp = Number(expText);
    const taskId = params.get("tid") ?? undefined;
    const sha256 = params.get("sha256") ?? undefined;
    if (sha256 !== undefined && !SHA256_HEX.test(sha256)) return { ok: false, reason: "bad-signature" };
    const expected =
      format === 1
        ? signature(secret, ["v1", kid, key, fileName, contentType ?? null, exp])
        : signature(secret, ["v2", kid, key, fileName, contentType ?? null, exp, taskId ?? null, sha256 ?? null]);
    const given = Buffer.from(sig, "base64url");
    if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: "bad-signature" };
    }
    if (now > exp * 1000) {
      // Signed, so its task and file are authentic: a client may be told where to get a fresh link.
      return taskId === undefined
        ? { ok: false, reason: "expired" }
        : { ok: false, reason: "expired", renew: { taskId, fileName } };
    }
    return { ok: true, link: { key, fileName, contentType, expiresAt: exp, format, taskId, sha256 } };
  }
}

function signature(secret: KeyObject, fields: (string | number | null)[]): Buffer {
  // A JSON array keeps the fields apart whatever they contain; its first field names the format.
  return createHmac("sha256", secret).update(JSON.stringify(fields)).digest();
}
