import { ApiError } from "../envelope/api_error.ts";
import { DETAILS } from "../envelope/messages.ts";

/** What {@linkcode parseAuthorization} found. */
export type ParsedAuthorization = { token: string } | { error: ApiError };

// Compact JWS: three base64url parts. Lets a bare token be told from garbage.
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_HEADER_LENGTH = 8192;

/**
 * Extracts the token from an `Authorization` header: `Bearer <jwt>` (scheme
 * case-insensitive, RFC 6750) or, for clients that send the bare token as the
 * specification's wording suggests, a bare JWT.
 *
 * @param header The header's value, if any.
 * @returns The token, or the 401 to answer.
 *
 * @example
 * ```ts
 * parseAuthorization("Bearer eyJ…"); // { token: "eyJ…" }
 * ```
 */
export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined || header.trim() === "") return { error: ApiError.unauthorized(DETAILS.missingToken) };
  if (header.length > MAX_HEADER_LENGTH) return malformedAuthorization();
  const parts = header.trim().split(/\s+/);
  if (parts.length === 1 && COMPACT_JWT.test(parts[0] ?? "")) return { token: parts[0] as string };
  if (parts.length === 2 && /^bearer$/i.test(parts[0] ?? "") && COMPACT_JWT.test(parts[1] ?? "")) {
    return { token: parts[1] as string };
  }
  return malformedAuthorization();
}

/**
 * The answer to an Authorization header that is not one `Bearer <jwt>` (or a bare JWT).
 *
 * @returns The 401 refusal.
 */
export function malformedAuthorization(): { error: ApiError } {
  return {
    error: ApiError.unauthorized(DETAILS.malformedAuthorization, { tokenPresented: true }),
  };
}
