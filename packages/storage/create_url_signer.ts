import { LocalUrlSigner, type SigningKey } from "./local/local_url_signer.ts";
import type { StorageSettings } from "./storage_settings.ts";
import type { UrlSigner } from "./port/url_signer.ts";

/** Options of {@linkcode createUrlSigner}. */
export interface CreateUrlSignerOptions {
  /** The service's public origin, for adapters whose links point back at it. */
  publicBaseUrl: string;
  /** The keys of links the service signs itself (the `local` adapter's): the first signs, all verify. */
  linkKeys?: readonly SigningKey[];
}

/**
 * Builds the adapter the settings name: the one place where the driver is
 * looked at. The S3 and Azure SDKs (optional peer dependencies of this
 * package) are loaded only when their driver is chosen.
 *
 * @param settings One adapter's settings (from `storageSettings`).
 * @param options The service's public origin, and its link keys.
 * @returns The adapter.
 * @throws {TypeError} When the `local` adapter gets no link key.
 *
 * @example
 * ```ts
 * const signer = await createUrlSigner(storageSettings(process.env, { dataDir, cwd }), {
 *   publicBaseUrl: "http://127.0.0.1:3000",
 *   linkKeys: [{ kid: "default", key: process.env.URL_SIGNING_KEY ?? "" }],
 * });
 * ```
 */
export async function createUrlSigner(settings: StorageSettings, options: CreateUrlSignerOptions): Promise<UrlSigner> {
  switch (settings.driver) {
    case "local":
      return new LocalUrlSigner(settings.root, {
        baseUrl: options.publicBaseUrl,
        keys: options.linkKeys ?? [],
        linkFormat: settings.linkFormat,
      });
    case "s3": {
      const { S3UrlSigner } = await import("./s3/s3_url_signer.ts");
      return new S3UrlSigner(settings);
    }
    case "azure": {
      const { AzureBlobUrlSigner } = await import("./azure/azure_blob_url_signer.ts");
      return new AzureBlobUrlSigner(settings);
    }
  }
}
