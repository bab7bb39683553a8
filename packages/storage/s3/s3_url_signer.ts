import { formatUrl } from "@aws-sdk/core/util";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { HttpRequest } from "@smithy/core/protocols";
import { keyPath } from "../port/key_path.ts";
import { type HmacOptions, KeyedSha256 } from "../port/keyed_sha256.ts";
import { rfc3986, SigV4GetPresigner } from "./sigv4_get_presigner.ts";
import { fullObjectSha256 } from "./full_object_sha256.ts";
import { contentDisposition } from "../port/content_disposition.ts";
import {
  checkRange,
  ObjectNotFoundError,
  type ObjectStat,
  type SignOptions,
  StorageUnavailableError,
  type UrlSigner,
  type WriteOptions,
} from "../port/url_signer.ts";
import { S3_MAX_EXPIRES_IN, type S3Settings } from "./s3_settings.ts";

/** How the `s3` adapter signs: its own SigV4 for the one request it signs, or the SDK's presigner. */
export interface S3SignerOptions extends HmacOptions {
  /** `true`: through the AWS SDK's `S3RequestPresigner` (the benchmark's and the tests' yardstick). Default `false`. */
  sdkPresigner?: boolean;
}

/**
 * The `s3` storage adapter: presigned `GetObject` URLs (SigV4 query
 * signatures) on AWS S3 or any S3-compatible store (MinIO, R2, Ceph …), with
 * `response-content-disposition` and `response-content-type` so the store
 * names the download. Everything that does not change per URL (the
 * endpoint, the signer, the credential provider) is built once: signing a
 * URL is a few HMACs, no I/O, so a task with thousands of outputs signs fast.
 * Credentials are static when configured, otherwise the AWS SDK's default
 * chain (memoised by the SDK, refreshed only when they expire).
 *
 * @example
 * ```ts
 * const signer = new S3UrlSigner({ driver: "s3", bucket: "outputs", region: "eu-west-1",
 *   endpoint: undefined, forcePathStyle: false, credentials: undefined });
 * const url = await signer.sign("tasks/1/a.pdf", { fileName: "a.pdf", expiresAt: new Date(Date.now() + 60_000) });
 * ```
 */
export class S3UrlSigner implements UrlSigner {
  /** @inheritdoc */
  readonly driver = "s3";
  /** The SDK client `stat` uses (and whose credential provider signs). */
  readonly client: S3Client;
  #bucket: string;
  #presigner: S3RequestPresigner | undefined;
  #sigv4: SigV4GetPresigner;
  #target: Target;

  /**
   * @param config The driver's settings.
   * @param options `sdkPresigner: true` signs through the SDK's presigner; `keyedHmac: false` through it with the
   *   SDK's own HMAC too (the benchmark's "before").
   */
  constructor(config: S3Settings, options: S3SignerOptions = {}) {
    const { bucket, region, endpoint, forcePathStyle, credentials } = config;
    this.#bucket = bucket;
    this.client = new S3Client({
      region,
      forcePathStyle,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(credentials === undefined ? {} : { credentials }),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
    });
    // The client's resolved provider: static keys, or the default chain, memoised (refreshed as they expire).
    const credentialsOf = this.client.config.credentials;
    this.#sigv4 = new SigV4GetPresigner(region, () => credentialsOf());
    // The SDK's SigV4, with an HMAC that imports each key once (the SDK's re-imports it for every URL).
    this.#presigner =
      options.sdkPresigner === true || options.keyedHmac === false
        ? new S3RequestPresigner({
            credentials: credentialsOf,
            region,
            sha256: options.keyedHmac === false ? this.client.config.sha256 : KeyedSha256,
          })
        : undefined;
    this.#target = target(config);
  }

  /** @inheritdoc */
  async sign(key: string, options: SignOptions): Promise<string> {
    const { fileName, contentType, expiresAt } = options;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const expiresIn = Math.floor(expiresAt.getTime() / 1000) - nowSeconds;
    if (expiresIn > S3_MAX_EXPIRES_IN) {
      throw new RangeError(`S3 presigned URLs last at most ${S3_MAX_EXPIRES_IN} s (7 days); asked for ${expiresIn} s`);
    }
    if (expiresIn < 1) throw new RangeError("Cannot sign an S3 URL that has already expired");
    const { protocol, hostname, port, host, pathPrefix } = this.#target;
    const disposition = contentDisposition(fileName);
    const path = `${pathPrefix}/${keyPath(key, rfc3986)}`;
    // Signed at the whole second, so the link dies exactly at `expiresAt`.
    if (this.#presigner === undefined) {
      const params: [string, string][] = [["response-content-disposition", disposition]];
      if (contentType !== undefined) params.push(["response-content-type", contentType]);
      return await this.#sigv4.presign({ protocol, host, path }, params, expiresIn, nowSeconds);
    }
    const query: Record<string, string> = { "response-content-disposition": disposition };
    if (contentType !== undefined) query["response-content-type"] = contentType;
    const request = new HttpRequest({
      method: "GET",
      protocol,
      hostname,
      port,
      path,
      query,
      headers: { host },
    });
    const signed = await this.#presigner.presign(request, { expiresIn, signingDate: new Date(nowSeconds * 1000) });
    return formatUrl(signed);
  }

  /** @inheritdoc */
  async write(key: string, body: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: body,
          ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
        }),
      );
    } catch (error) {
      throw new StorageUnavailableError(this.driver, { cause: error });
    }
  }

  /** @inheritdoc */
  async stat(key: string): Promise<ObjectStat> {
    try {
      // ChecksumMode: the store's SHA-256, for objects uploaded with one, saves reading them.
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: key, ChecksumMode: "ENABLED" }),
      );
      const sha256 = fullObjectSha256(head);
      return { size: head.ContentLength ?? 0, version: head.ETag ?? "", ...(sha256 === undefined ? {} : { sha256 }) };
    } catch (error) {
      throw this.#fault(key, error);
    }
  }

  /** @inheritdoc */
  async read(key: string): Promise<Readable> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      const body = object.Body;
      if (body instanceof Readable) return body;
      if (body === undefined) return Readable.from([]);
      return Readable.fromWeb(body.transformToWebStream() as import("node:stream/web").ReadableStream);
    } catch (error) {
      throw this.#fault(key, error);
    }
  }

  /** @inheritdoc */
  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length);
    if (length === 0) return new Uint8Array(0);
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      const bytes = object.Body === undefined ? new Uint8Array(0) : await object.Body.transformToByteArray();
      // What came back starts where Content-Range says (the whole object without one: HTTP lets a server
      // ignore Range, and s3rver does for `bytes=0-0`): cut the range asked for out of it.
      const start = Number(/^bytes (\d+)-/.exec(object.ContentRange ?? "")?.[1] ?? 0);
      return bytes.subarray(offset - start, offset - start + length);
    } catch (error) {
      // 416: the range starts at or past the end: no bytes there.
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        return new Uint8Array(0);
      }
      throw this.#fault(key, error);
    }
  }

  #fault(key: string, error: unknown): Error {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (error as Error).name;
    if (status === 404 || name === "NotFound" || name === "NoSuchKey") return new ObjectNotFoundError(key);
    return new StorageUnavailableError(this.driver, { cause: error });
  }
}

// Where URLs point: computed once from the configuration, never per URL.
interface Target {
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The host header: `hostname[:port]`. */
  host: string;
  pathPrefix: string;
}

function target(config: S3Settings): Target {
  const { bucket, region, endpoint, forcePathStyle } = config;
  const base = new URL(endpoint ?? `https://s3.${region}.amazonaws.com`);
  const port = base.port === "" ? undefined : Number(base.port);
  const basePath = base.pathname.replace(/\/+$/, "");
  // Virtual-hosted URLs need a DNS-safe bucket name; others fall back to path style, as the SDK does.
  const virtual = !forcePathStyle && /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
  const hostname = virtual ? `${bucket}.${base.hostname}` : base.hostname;
  return {
    protocol: base.protocol,
    hostname,
    port,
    host: port === undefined ? hostname : `${hostname}:${port}`,
    pathPrefix: virtual ? basePath : `${basePath}/${rfc3986(bucket)}`,
  };
}
