import type { StorageConfig } from "../config/load_config.ts";
import { LocalUrlSigner } from "./local/local_url_signer.ts";
import type { UrlSigner } from "./url_signer.ts";

/** Options of {@linkcode createUrlSigner}. */
export interface CreateUrlSignerOptions {
  /** The service's public origin, for adapters whose links point back at it. */
  publicBaseUrl: string;
}

/**
 * Builds the storage adapter the configuration names: the one place where
 * `STORAGE_DRIVER` is looked at. The S3 and Azure SDKs are loaded only when
 * their driver is chosen.
 *
 * @param config The storage settings.
 * @param options The service's public origin.
 * @returns The adapter.
 *
 * @example
 * ```ts
 * const signer = await createUrlSigner(config.storage, { publicBaseUrl: "http://127.0.0.1:3000" });
 * ```
 */
export async function createUrlSigner(config: StorageConfig, options: CreateUrlSignerOptions): Promise<UrlSigner> {
  switch (config.driver) {
    case "local":
      return new LocalUrlSigner(config.localDir, { baseUrl: options.publicBaseUrl, keys: config.signingKeys });
    case "s3": {
      const { S3UrlSigner } = await import("./s3/s3_url_signer.ts");
      return new S3UrlSigner(config);
    }
    case "azure": {
      const { AzureBlobUrlSigner } = await import("./azure/azure_blob_url_signer.ts");
      return new AzureBlobUrlSigner(config);
    }
  }
}
