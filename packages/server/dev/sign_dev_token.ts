import jwt from "jsonwebtoken";
import type { JwtConfig } from "../config/load_config.ts";

/** Options of {@linkcode signDevToken}. */
export interface SignDevTokenOptions {
  /** Space-separated scopes (`tasks:write`). */
  scope?: string;
  /** Lifetime in seconds. Defaults to 3600. */
  ttl?: number;
}

/**
 * Signs a development token for a user with the configured shared secret,
 * carrying the configured issuer and first audience so the service accepts it.
 *
 * @param config Token settings (HS algorithm and secret).
 * @param sub The user id.
 * @param options Scope and lifetime.
 * @returns The JWT.
 * @throws {Error} When tokens come from a JWKS endpoint (no secret to sign with).
 *
 * @example
 * ```ts
 * const token = signDevToken(config.jwt, "alice", { scope: "tasks:write" });
 * ```
 */
export function signDevToken(config: JwtConfig, sub: string, options: SignDevTokenOptions = {}): string {
  const { scope, ttl = 3600 } = options;
  const algorithm = config.algorithms[0];
  if (config.secret === undefined || algorithm === undefined || !algorithm.startsWith("HS")) {
    throw new Error("Cannot sign a development token: the service verifies tokens from JWT_JWKS_URL");
  }
  return jwt.sign(scope === undefined ? {} : { scope }, config.secret, {
    algorithm,
    subject: sub,
    expiresIn: ttl,
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    ...(config.audience?.[0] === undefined ? {} : { audience: config.audience[0] }),
  });
}
