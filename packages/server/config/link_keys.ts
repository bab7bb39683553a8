import { KID_PATTERN, type SigningKey } from "@taskdl/storage";
import { ConfigError } from "./config_error.ts";
import { type SecretContext, secret } from "./_secret.ts";

/** The variables the service's own link keys come from. */
export interface LinkKeyVars {
  URL_SIGNING_KEY?: string | undefined;
  URL_SIGNING_KEYS?: string | undefined;
}

/**
 * The HMAC keys of the links the service signs itself: `URL_SIGNING_KEYS`
 * (`kid:key,kid:key…`, the first signs, all verify), or `URL_SIGNING_KEY`,
 * shorthand for one key named `default` — generated once into
 * `DATA_DIR/secrets/` outside production when neither is set.
 *
 * @param vars The validated variables.
 * @param context Production or not, the data folder, notices.
 * @returns The keys, the signing one first.
 * @throws {ConfigError} When the list is malformed, names a kid twice, or a key is missing or short in production.
 *
 * @example
 * ```ts
 * linkKeys({ URL_SIGNING_KEYS: "k2:new-key…,k1:old-key…" }, context); // [{ kid: "k2", … }, { kid: "k1", … }]
 * ```
 */
export function linkKeys(vars: LinkKeyVars, context: SecretContext): SigningKey[] {
  if (vars.URL_SIGNING_KEYS === undefined) {
    return [{ kid: "default", key: secret("URL_SIGNING_KEY", vars.URL_SIGNING_KEY, context) }];
  }
  if (vars.URL_SIGNING_KEY !== undefined) {
    throw new ConfigError("set either URL_SIGNING_KEY or URL_SIGNING_KEYS, not both");
  }
  const keys = vars.URL_SIGNING_KEYS.split(",").map((pair) => {
    const colon = pair.indexOf(":");
    const kid = pair.slice(0, colon).trim();
    if (colon < 0 || !KID_PATTERN.test(kid) || pair.slice(colon + 1).trim() === "") {
      throw new ConfigError(
        "URL_SIGNING_KEYS must be kid:key pairs separated by commas (kid: 1–32 of A–Z a–z 0–9 _ -)",
      );
    }
    return { kid, key: secret(`URL_SIGNING_KEYS (${kid})`, pair.slice(colon + 1).trim(), context) };
  });
  if (new Set(keys.map(({ kid }) => kid)).size !== keys.length) {
    throw new ConfigError("URL_SIGNING_KEYS names a kid twice");
  }
  return keys;
}
