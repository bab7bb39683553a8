import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
import type { LinkRefusal, SigningKey } from "@taskdl/storage";

/** Where the tokenless links of STAC Items point, under the service's origin. */
export const ITEM_LINKS_PATH = "/stac/items/";

/** What {@linkcode ItemLinks.check} concluded of a link's parameters. */
export type ItemLinkVerdict = { ok: true; expiresAt: Date } | { ok: false; reason: Exclude<LinkRefusal, "missing"> };

/**
 * The signed, tokenless links of STAC Items (`self`, `canonical`):
 * `/stac/items/{taskId}?exp=…&kid=…&sig=…`, an HMAC-SHA256 with the
 * service's own link keys (the first signs, all verify) over the task id,
 * its owner and the expiry. The owner is under the signature but not in the
 * link: a link stops working if the task changes hands. Tools that cannot
 * send a token (QGIS, GDAL, STAC Browser) open the Item with it until it
 * expires, on every storage driver.
 *
 * @example
 * ```ts
 * const links = new ItemLinks("https://taskdl.example.com", [{ kid: "default", key }]);
 * links.sign("12345", "demo", new Date(Date.now() + 3_600_000));
 * ```
 */
export class ItemLinks {
  #base: string;
  #keys: Map<string, KeyObject>;
  #kid: string;

  /**
   * @param baseUrl The service's public origin (and optional path prefix).
   * @param keys The service's link keys, the signing one first.
   */
  constructor(baseUrl: string, keys: readonly SigningKey[]) {
    const first = keys[0];
    if (first === undefined) throw new TypeError("Cannot sign STAC Item links without a link key");
    this.#base = `${baseUrl.replace(/\/+$/, "")}${ITEM_LINKS_PATH}`;
    this.#keys = new Map(keys.map(({ kid, key }) => [kid, createSecretKey(Buffer.from(key, "utf8"))]));
    this.#kid = first.kid;
  }

  /**
   * The link of a task's Item, valid until `expiresAt` (whole seconds).
   *
   * @param taskId The task.
   * @param ownerId Its owner.
   * @param expiresAt When the link stops working.
   * @returns The absolute URL.
   */
  sign(taskId: string, ownerId: string, expiresAt: Date): string {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    const sig = this.#signature(this.#keys.get(this.#kid) as KeyObject, taskId, ownerId, exp).toString("base64url");
    return `${this.#base}${encodeURIComponent(taskId)}?exp=${exp}&kid=${this.#kid}&sig=${sig}`;
  }

  /**
   * Checks a link's signature (in constant time), then its expiry.
   *
   * @param taskId The task id from the link's path.
   * @param ownerId The task's owner as recorded, or `undefined` when there is no such task (refused as unsigned by it).
   * @param params The link's query parameters.
   * @param now The clock, in milliseconds.
   * @returns The link's expiry, or why it is refused.
   */
  check(
    taskId: string,
    ownerId: string | undefined,
    params: URLSearchParams,
    now: number = Date.now(),
  ): ItemLinkVerdict {
    const [exp, kid, sig] = ["exp", "kid", "sig"].map((name) => params.getAll(name));
    if (exp?.length !== 1 || kid?.length !== 1 || sig?.length !== 1) return { ok: false, reason: "unsigned" };
    for (const name of params.keys())
      if (!["exp", "kid", "sig"].includes(name)) return { ok: false, reason: "bad-signature" };
    const key = this.#keys.get(kid[0] as string);
    if (key === undefined || ownerId === undefined || !/^\d{1,12}$/.test(exp[0] as string)) {
      return { ok: false, reason: "bad-signature" };
    }
    const given = Buffer.from(sig[0] as string, "base64url");
    const expected = this.#signature(key, taskId, ownerId, Number(exp[0]));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: "bad-signature" };
    const expiresAt = new Date(Number(exp[0]) * 1000);
    if (now > expiresAt.getTime()) return { ok: false, reason: "expired" };
    return { ok: true, expiresAt };
  }

  #signature(key: KeyObject, taskId: string, ownerId: string, exp: number): Buffer {
    return createHmac("sha256", key)
      .update(JSON.stringify(["stac-item-1", taskId, ownerId, exp]))
      .digest();
  }
}
