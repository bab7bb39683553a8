import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { Readable } from "node:stream";
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import type { HmacOptions } from "../port/keyed_sha256.ts";
import { keyPath } from "../port/key_path.ts";
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
import type { AzureSettings } from "./azure_settings.ts";

const READ = BlobSASPermissions.parse("r");
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * The `azure` storage adapter: service SAS URLs for one blob with read
 * permission only, `rscd`/`rsct` so the store names the download, signed
 * with the account key from the connection string. HTTPS-only, except for a
 * local emulator (Azurite) on a loopback `http://` endpoint. The key and the
 * container URL are set up once; signing a URL is one HMAC, no I/O.
 *
 * @example
 * ```ts
 * const signer = new AzureBlobUrlSigner({ driver: "azure", connectionString, container: "outputs" });
 * const url = signer.sign("tasks/1/a.pdf", { fileName: "a.pdf", expiresAt: new Date(Date.now() + 60_000) });
 * ```
 */
export class AzureBlobUrlSigner implements UrlSigner {
  /** @inheritdoc */
  readonly driver = "azure";
  /** The container's client (`stat` uses it). */
  readonly container: ContainerClient;
  #containerName: string;
  #containerUrl: string;
  #credential: StorageSharedKeyCredential;
  #protocol: SASProtocol;

  /**
   * @param config The driver's settings.
   * @param options `keyedHmac: false` signs with the SDK's own credential (the benchmark's "before").
   * @throws {Error} When the connection string has no account key, or names a plain-HTTP endpoint that is not loopback.
   */
  constructor(config: AzureSettings, options: HmacOptions = {}) {
    const service = BlobServiceClient.fromConnectionString(config.connectionString, {
      retryOptions: { maxTries: 2, tryTimeoutInMs: 10_000, retryDelayInMs: 200 },
    });
    if (!(service.credential instanceof StorageSharedKeyCredential)) {
      throw new Error("AZURE_STORAGE_CONNECTION_STRING must hold an AccountKey: SAS URLs are signed with it");
    }
    // The same account key, imported once: the SDK's credential re-imports it for every SAS it signs.
    this.#credential =
      options.keyedHmac === false
        ? service.credential
        : new KeyedSharedKeyCredential(service.credential.accountName, accountKeyOf(config.connectionString));
    this.container = service.getContainerClient(config.container);
    this.#containerName = config.container;
    this.#containerUrl = this.container.url.replace(/\/+$/, "");
    const { protocol, hostname } = new URL(this.#containerUrl);
    if (protocol === "http:" && !LOOPBACK.has(hostname)) {
      throw new Error(
        "AZURE_STORAGE_CONNECTION_STRING names a plain-HTTP blob endpoint: use https (http is for a local emulator only)",
      );
    }
    this.#protocol = protocol === "http:" ? SASProtocol.HttpsAndHttp : SASProtocol.Https;
  }

  /** @inheritdoc */
  sign(key: string, options: SignOptions): string {
    const { fileName, contentType, expiresAt } = options;
    const sas = generateBlobSASQueryParameters(
      {
        containerName: this.#containerName,
        blobName: key,
        permissions: READ,
        expiresOn: expiresAt,
        protocol: this.#protocol,
        contentDisposition: contentDisposition(fileName),
        ...(contentType === undefined ? {} : { contentType }),
      },
      this.#credential,
    );
    return `${this.#containerUrl}/${keyPath(key)}?${sas.toString()}`;
  }

  /** @inheritdoc */
  async write(key: string, body: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    try {
      await this.container.getBlockBlobClient(key).uploadData(bytes, {
        ...(options.contentType === undefined ? {} : { blobHTTPHeaders: { blobContentType: options.contentType } }),
      });
    } catch (error) {
      throw new StorageUnavailableError(this.driver, { cause: error });
    }
  }

  /** @inheritdoc */
  async stat(key: string): Promise<ObjectStat> {
    try {
      const properties = await this.container.getBlobClient(key).getProperties();
      // Azure keeps an MD5 at most, never a SHA-256: the ETag versions the blob.
      return { size: properties.contentLength ?? 0, version: properties.etag ?? "" };
    } catch (error) {
      throw this.#fault(key, error);
    }
  }

  /** @inheritdoc */
  async read(key: string): Promise<Readable> {
    try {
      // No retries inside the stream: a blob that breaks off mid-read is the store's fault, reported as such.
      const download = await this.container.getBlobClient(key).download(0, undefined, { maxRetryRequests: 0 });
      const body = download.readableStreamBody;
      if (body === undefined) return Readable.from([]);
      return body instanceof Readable ? body : Readable.from(body as AsyncIterable<Uint8Array>);
    } catch (error) {
      throw this.#fault(key, error);
    }
  }

  /** @inheritdoc */
  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length);
    if (length === 0) return new Uint8Array(0);
    try {
      const download = await this.container.getBlobClient(key).download(offset, length, { maxRetryRequests: 0 });
      const body = download.readableStreamBody;
      if (body === undefined) return new Uint8Array(0);
      const chunks: Uint8Array[] = [];
      for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
      return new Uint8Array(Buffer.concat(chunks));
    } catch (error) {
      // 416: the range starts at or past the end: no bytes there.
      if ((error as { statusCode?: number }).statusCode === 416) return new Uint8Array(0);
      throw this.#fault(key, error);
    }
  }

  #fault(key: string, error: unknown): Error {
    if ((error as { statusCode?: number }).statusCode === 404) return new ObjectNotFoundError(key);
    return new StorageUnavailableError(this.driver, { cause: error });
  }
}

/** The SDK's shared-key credential, with its HMAC key imported once. */
class KeyedSharedKeyCredential extends StorageSharedKeyCredential {
  #key: KeyObject;

  constructor(accountName: string, accountKey: string) {
    super(accountName, accountKey);
    this.#key = createSecretKey(Buffer.from(accountKey, "base64"));
  }

  override computeHMACSHA256(stringToSign: string): string {
    return createHmac("sha256", this.#key).update(stringToSign, "utf8").digest("base64");
  }
}

/** The `AccountKey` of a connection string (the SDK has read it already; its copy is private). */
function accountKeyOf(connectionString: string): string {
  for (const part of connectionString.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === "AccountKey") return part.slice(at + 1).trim();
  }
  throw new Error("AZURE_STORAGE_CONNECTION_STRING must hold an AccountKey: SAS URLs are signed with it");
}
