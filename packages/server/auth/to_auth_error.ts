import jwt from "jsonwebtoken";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS } from "../envelope/messages.ts";
import { UnavailableError } from "../envelope/unavailable_error.ts";
import { ClaimError } from "./jwt_claims.ts";

/**
 * What a failed token verification means, by the error's type: a 401 with
 * the reason for a bad token (its claims, its times, its signature, a key the
 * JWKS does not have), a 503 when the JWKS endpoint cannot be reached, and
 * anything else is a fault of ours (a 500).
 *
 * @param error What koa-jwt (jsonwebtoken, jwks-rsa, the claim checks) reported.
 * @returns The error to answer with.
 *
 * @example
 * ```ts
 * toAuthError(new jwt.TokenExpiredError("jwt expired", new Date())); // 401 "Unauthorized: token expired"
 * ```
 */
export function toAuthError(error: unknown): Error {
  const presented = { tokenPresented: true };
  if (error instanceof ClaimError) return ApiError.unauthorized(error.reason, presented);
  if (error instanceof jwt.TokenExpiredError) return ApiError.unauthorized(DETAILS.tokenExpired, presented);
  if (error instanceof jwt.NotBeforeError) return ApiError.unauthorized(DETAILS.tokenNotYetValid, presented);
  if (error instanceof jwt.JsonWebTokenError) return ApiError.unauthorized(DETAILS.invalidToken, presented);
  // jwks-rsa flags a JWKS endpoint that could not be reached or answered nonsense: our fault, a 503.
  if ((error as { isEndpointUnavailable?: unknown } | undefined)?.isEndpointUnavailable === true) {
    return new UnavailableError("Cannot reach the JWKS endpoint", { cause: error });
  }
  // The token names a key the JWKS does not have, even after one refresh (or refreshes are used up
  // for this minute: a stream of made-up kids must not become a stream of fetches).
  // By name: jwks-rsa is loaded only when a JWKS is configured (token_keys.ts), and names its errors so.
  const name = error instanceof Error ? error.name : "";
  if (name === "SigningKeyNotFoundError" || name === "JwksRateLimitError") {
    return ApiError.unauthorized(DETAILS.invalidToken, presented);
  }
  return error instanceof Error ? error : new Error(String(error));
}
