import { ConfigError } from "./config_error.ts";
import { persistedSecret } from "./persisted_secret.ts";

/** How short a production secret may be, in bytes (HS256 wants a 256-bit key). */
export const MIN_SECRET_BYTES = 32;

/** Where a secret comes from when it is not given, and where to note what happened. */
export interface SecretContext {
  production: boolean;
  dataDir: string;
  notices: string[];
}

/**
 * A secret's value: as given (refused in production when shorter than 32
 * bytes), or, outside production, generated once into `DATA_DIR/secrets/`.
 */
export function secret(name: string, value: string | undefined, context: SecretContext): string {
  const { production, dataDir, notices } = context;
  if (value === undefined) {
    if (production) {
      throw new ConfigError(`${name} is required in production (at least ${MIN_SECRET_BYTES} bytes)`);
    }
    const kept = persistedSecret(dataDir, name);
    if (kept.generated) notices.push(`${name} was not set: generated one and kept it in ${kept.path}`);
    return kept.value;
  }
  if (Buffer.byteLength(value) < MIN_SECRET_BYTES) {
    if (production) throw new ConfigError(`${name} must be at least ${MIN_SECRET_BYTES} bytes in production`);
    notices.push(`${name} is shorter than ${MIN_SECRET_BYTES} bytes: fine for development, refused in production`);
  }
  return value;
}
