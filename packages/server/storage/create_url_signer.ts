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
 * `STORAGE_DRIVER` is looked at.
 *
 * @param config The storage settings.
 * @param options The service's public origin.
 * @returns The adapter.
 *
 * @example
 * ```ts
 * const signer = createUrlSigner(config.storage, { publicBaseUrl: "http://127.0.0.1:3000" });
 * ```
 */
export function createUrlSigner(config: StorageConfig, options: CreateUrlSignerOptions): UrlSigner {
  switch (config.driver) {
    case "local":
      return new LocalUrlSigner(config.localDir, { baseUrl: options.publicBaseUrl, signingKey: config.urlSigningKey });
  }
}
