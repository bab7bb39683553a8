import type { JwtConfig } from "../config/load_config.ts";
import { DETAILS } from "../envelope/messages.ts";
import type { AuthUser } from "./auth_user.ts";

/** The claims the service relies on beyond what jsonwebtoken checks. */
export interface Claims {
  sub?: unknown;
  exp?: unknown;
  scope?: unknown;
  iss?: unknown;
  aud?: unknown;
}

/** A verified token whose claims the service does not accept; `reason` is the 401's detail. */
export class ClaimError extends Error {
  /** Why, in the API's words (`token has no exp`). */
  readonly reason: string;

  /**
   * @param reason The 401's detail, from `DETAILS`.
   */
  constructor(reason: string) {
    super(reason);
    this.name = "ClaimError";
    this.reason = reason;
  }
}

/**
 * Checks the claims of a token whose signature and times have passed:
 * `aud` and `iss` when configured (checked here, so that each refusal is a
 * {@linkcode ClaimError} of its own rather than a jsonwebtoken message to
 * match), then that `exp` and `sub` are there.
 *
 * @param claims The token's payload.
 * @param config The expected issuer and audiences.
 * @throws {ClaimError} With the reason a client is told.
 */
export function checkClaims(claims: Claims, config: Pick<JwtConfig, "issuer" | "audience">): void {
  if (config.audience !== undefined) {
    const given = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!given.some((aud) => typeof aud === "string" && config.audience?.includes(aud))) {
      throw new ClaimError(DETAILS.wrongAudience);
    }
  }
  if (config.issuer !== undefined && claims.iss !== config.issuer) throw new ClaimError(DETAILS.wrongIssuer);
  if (typeof claims.exp !== "number") throw new ClaimError(DETAILS.tokenWithoutExp);
  if (typeof claims.sub !== "string" || claims.sub === "") throw new ClaimError(DETAILS.tokenWithoutSub);
}

/**
 * The user a token speaks for: its `sub`, and its `scope` claim split on spaces.
 *
 * @param claims Claims that passed {@linkcode checkClaims}.
 * @returns The user.
 */
export function toUser(claims: Claims): AuthUser {
  const scope = typeof claims.scope === "string" ? claims.scope : "";
  return { id: claims.sub as string, scopes: new Set(scope.split(" ").filter((item) => item !== "")) };
}
