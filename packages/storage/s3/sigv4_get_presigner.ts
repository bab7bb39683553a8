import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";

/** AWS credentials as the SDK's providers resolve them. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials' token (roles, SSO): signed into the URL as `X-Amz-Security-Token`. */
  sessionToken?: string | undefined;
}

/** Where a URL points: the protocol (`https:`), the host header (`host[:port]`), the path already escaped. */
export interface PresignTarget {
  protocol: string;
  host: string;
  path: string;
}

/**
 * SigV4 query signing (presigned URLs) of an S3 `GET` with only the `host`
 * header signed and an unsigned payload — the one request this adapter
 * signs — written for speed: the day's signing key is derived and imported
 * once, the canonical query is built once and is also the URL's query, and a
 * URL costs one SHA-256 and one HMAC. The AWS SDK's `S3RequestPresigner`
 * gives the same URLs byte for byte (`s3_url_signer_test.ts` compares them
 * over random keys, names, types, endpoints and session tokens, and checks
 * each signature against SigV4 written from AWS's documentation); it spends
 * most of a URL canonicalising a general request (about 4x the time, see
 * docs/performance.md).
 *
 * @example
 * ```ts
 * const presigner = new SigV4GetPresigner("eu-west-1", async () => ({ accessKeyId: "AKID…", secretAccessKey: "…" }));
 * const url = await presigner.presign({ protocol: "https:", host: "outputs.s3.eu-west-1.amazonaws.com", path: "/a.pdf" },
 *   [["response-content-type", "application/pdf"]], 60, Math.floor(Date.now() / 1000));
 * ```
 */
export class SigV4GetPresigner {
  #region: string;
  #credentials: () => Promise<Credentials>;
  // The signing key of the day, per credentials: derived with four HMACs, once.
  #key: { day: string; accessKeyId: string; secretAccessKey: string; key: KeyObject; scope: string } | undefined;

  /**
   * @param region The signing region.
   * @param credentials The credentials provider (the SDK client's: static, or its memoised default chain).
   */
  constructor(region: string, credentials: () => Promise<Credentials>) {
    this.#region = region;
    this.#credentials = credentials;
  }

  /**
   * A presigned URL.
   *
   * @param target The protocol, host and escaped path.
   * @param params Query parameters to sign beside SigV4's own (unescaped names and values).
   * @param expiresIn Seconds the URL lasts (`X-Amz-Expires`).
   * @param signedAt The signing time, in whole seconds since the epoch (`X-Amz-Date`).
   * @returns The URL.
   */
  async presign(
    target: PresignTarget,
    params: [string, string][],
    expiresIn: number,
    signedAt: number,
  ): Promise<string> {
    const credentials = await this.#credentials();
    const date = amzDate(signedAt);
    const { key, scope } = this.#signingKey(date.slice(0, 8), credentials);
    const query: [string, string][] = [
      ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
      ["X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"], // as the SDK's S3 presigner writes it (not a signed header)
      ["X-Amz-Credential", rfc3986(`${credentials.accessKeyId}/${scope}`)],
      ["X-Amz-Date", date],
      ["X-Amz-Expires", String(expiresIn)],
      ["X-Amz-SignedHeaders", "host"],
    ];
    if (credentials.sessionToken) {
      query.push(["X-Amz-Security-Token", rfc3986(credentials.sessionToken)]);
    }
    for (const [name, value] of params) query.push([rfc3986(name), rfc3986(value)]);
    // By name, as SigV4 and the URL order them (escaped names are ASCII: code-unit order is byte order).
    query.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const canonicalQuery = query.map(([name, value]) => `${name}=${value}`).join("&");
    const canonicalRequest = `GET\n${target.path}\n${canonicalQuery}\nhost:${target.host}\n\nhost\nUNSIGNED-PAYLOAD`;
    const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash("sha256").update(canonicalRequest).digest("hex")}`;
    const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
    query.push(["X-Amz-Signature", signature]);
    query.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${target.protocol}//${target.host}${target.path}?${query.map(([name, value]) => `${name}=${value}`).join("&")}`;
  }

  #signingKey(day: string, credentials: Credentials): { key: KeyObject; scope: string } {
    const cached = this.#key;
    if (
      cached !== undefined &&
      cached.day === day &&
      cached.accessKeyId === credentials.accessKeyId &&
      cached.secretAccessKey === credentials.secretAccessKey
    ) {
      return cached;
    }
    let key = createHmac("sha256", `AWS4${credentials.secretAccessKey}`).update(day).digest();
    for (const part of [this.#region, "s3", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
    const derived = {
      day,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      key: createSecretKey(key),
      scope: `${day}/${this.#region}/s3/aws4_request`,
    };
    this.#key = derived;
    return derived;
  }
}

/**
 * RFC 3986 escaping, as SigV4 wants it: every character outside the
 * unreserved set (`A–Z a–z 0–9 - . _ ~`) as `%XX` of its UTF-8 bytes.
 *
 * @param text What to escape.
 * @returns The escaped text.
 */
export function rfc3986(text: string): string {
  const escaped = encodeURIComponent(text);
  return RESERVED_BY_3986.test(escaped) ? escaped.replace(RESERVED_BY_3986_ALL, percent) : escaped;
}

// encodeURIComponent leaves these five as they are; RFC 3986 reserves them.
const RESERVED_BY_3986 = /[!'()*]/;
const RESERVED_BY_3986_ALL = /[!'()*]/g;
const percent = (char: string) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`;

// 20261201T184545Z: ISO 8601 basic format, as X-Amz-Date.
function amzDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:]|\.\d{3}/g, "");
}
