import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import type { Context, Middleware } from "koa";
import koaJwt from "koa-jwt";
import jwt from "jsonwebtoken";
import { JwksClient } from "jwks-rsa";
import type { JwtConfig } from "../config/load_config.ts";
import { ApiError } from "../errors/api_error.ts";
import { UnavailableError } from "../errors/unavailable_error.ts";
import type { AuthOutcome, AuthUser } from "./auth_user.ts";
import { malformedAuthorization, parseAuthorization } from "./parse_authorization.ts";
import { VerifiedTokens } from "./verified_tokens.ts";

/** The claims the service relies on, beyond what jsonwebtoken checks. */
interface Claims {
  sub?: unknown;
  exp?: unknown;
  scope?: unknown;
}

/**
 * Authenticates requests with koa-jwt: takes the token from `Authorization`
 * (`Bearer <jwt>` or a bare JWT), verifies it against the pinned algorithms
 * (HS256 and kin with the shared secret; RS, ES and PS algorithms with keys from the JWKS URL),
 * requires `exp` and `sub`, honours `nbf`, checks `iss`/`aud` when
 * configured, and allows the configured clock tolerance. It never answers by
 * itself: it leaves `ctx.state.auth` as `{ user }` or `{ error }` for the
 * procedure to act on, so REST and tRPC answer auth failures the same way.
 * A token that passed is not verified again for a minute (at most until its
 * `exp`): see {@linkcode VerifiedTokens}.
 *
 * @param config Token verification settings.
 * @param remembered Tokens verified recently; a fresh cache of 10,000 for one minute when not given.
 * @returns The middleware.
 *
 * @example
 * ```ts
 * app.use(createAuthMiddleware(config.jwt));
 * // later: ctx.state.auth.user?.id
 * ```
 */
export function createAuthMiddleware(
  config: JwtConfig,
  remembered: VerifiedTokens = new VerifiedTokens({
    capacity: 10_000,
    maxAgeMs: 60_000,
    clockToleranceSeconds: config.clockToleranceSeconds,
  }),
): Middleware {
  const verify = koaJwt({
    // koa-jwt hands `secret` to jsonwebtoken, which takes KeyObjects; koa-jwt's types predate them.
    secret: secretProvider(config) as unknown as koaJwt.Options["secret"],
    algorithms: config.algorithms,
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    ...(config.audience === undefined ? {} : { audience: config.audience as [string, ...string[]] }),
    clockTolerance: config.clockToleranceSeconds,
    passthrough: true,
    key: "jwtClaims",
    getToken: (ctx) => ctx.state.bearerToken as string,
    isRevoked: async (_ctx, claims) => {
      checkClaims(claims as Claims);
      return false;
    },
  } as koaJwt.Options);

  // Verifies a token koa-jwt's way, unless it passed a moment ago.
  async function check(ctx: Context, token: string): Promise<AuthOutcome> {
    const known = remembered.get(token);
    if (known !== undefined) return { user: known };
    ctx.state.bearerToken = token;
    await verify(ctx, async () => {});
    const failure = ctx.state.jwtOriginalError as unknown;
    const claims = ctx.state.jwtClaims as Claims;
    delete ctx.state.bearerToken;
    delete ctx.state.jwtClaims;
    delete ctx.state.jwtOriginalError;
    if (failure !== undefined) return { error: toAuthError(failure) };
    const user = toUser(claims);
    remembered.remember(token, user, claims.exp as number);
    return { user };
  }

  return async function authenticate(ctx, next) {
    // Node keeps the first of repeated Authorization headers; an ambiguous request is refused instead.
    const parsed = repeatsAuthorization(ctx.req.rawHeaders)
      ? malformedAuthorization()
      : parseAuthorization(ctx.get("Authorization") || undefined);
    ctx.state.auth =
      "error" in parsed ? ({ error: parsed.error } satisfies AuthOutcome) : await check(ctx, parsed.token);
    await next();
  };
}

function repeatsAuthorization(rawHeaders: readonly string[]): boolean {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 13 && name.toLowerCase() === "authorization" && ++seen > 1) return true;
  }
  return false;
}

function secretProvider(config: JwtConfig): KeyObject | ((header: jwt.JwtHeader) => Promise<KeyObject>) {
  // A KeyObject, imported once: given a string, jsonwebtoken tries it as a public key first on every request.
  if (config.jwksUrl === undefined) return createSecretKey(Buffer.from(config.secret as string, "utf8"));
  const client = new JwksClient({ jwksUri: config.jwksUrl, cache: true, rateLimit: true, timeout: 5000 });
  const algorithms = new Set<string>(config.algorithms);
  // Imported once per published key, not per request (jwks-rsa caches the PEM, not the parsed key).
  const imported = new Map<string, KeyObject>();
  return async (header) => {
    if (!algorithms.has(header.alg)) throw new jwt.JsonWebTokenError("invalid algorithm");
    const pem = (await client.getSigningKey(header.kid)).getPublicKey();
    let key = imported.get(pem);
    if (key === undefined) {
      if (imported.size >= 64) imported.clear(); // a JWKS holds a handful of keys; rotation only adds a few
      key = createPublicKey(pem);
      imported.set(pem, key);
    }
    // An ES256 token under an RSA key's kid (or the reverse) is a bad token, not a fault of ours.
    const type = key.asymmetricKeyType === "rsa-pss" ? "rsa" : key.asymmetricKeyType;
    const curve = CURVES[header.alg];
    if (
      KEY_TYPES[header.alg.slice(0, 2)] !== type ||
      (curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== curve)
    ) {
      throw new jwt.JsonWebTokenError("invalid algorithm");
    }
    return key;
  };
}

// The key type each algorithm family needs.
const KEY_TYPES: Record<string, string> = { RS: "rsa", PS: "rsa", ES: "ec" };
const CURVES: Record<string, string> = { ES256: "prime256v1", ES384: "secp384r1", ES512: "secp521r1" };

class ClaimError extends Error {}

function checkClaims(claims: Claims): void {
  if (typeof claims.exp !== "number") throw new ClaimError("token has no exp");
  if (typeof claims.sub !== "string" || claims.sub === "") throw new ClaimError("token has no sub");
}

function toUser(claims: Claims): AuthUser {
  const scope = typeof claims.scope === "string" ? claims.scope : "";
  return { id: claims.sub as string, scopes: new Set(scope.split(" ").filter((item) => item !== "")) };
}

function toAuthError(error: unknown): Error {
  const presented = { tokenPresented: true };
  if (error instanceof ClaimError) return ApiError.unauthorized(error.message, presented);
  if (error instanceof jwt.TokenExpiredError) return ApiError.unauthorized("token expired", presented);
  if (error instanceof jwt.NotBeforeError) return ApiError.unauthorized("token not yet valid", presented);
  if (error instanceof jwt.JsonWebTokenError) {
    if (error.message.startsWith("jwt audience invalid")) return ApiError.unauthorized("wrong audience", presented);
    if (error.message.startsWith("jwt issuer invalid")) return ApiError.unauthorized("wrong issuer", presented);
    return ApiError.unauthorized("invalid token", presented);
  }
  const name = error instanceof Error ? error.name : "";
  // jwks-rsa: the JWKS endpoint could not be reached or answered nonsense — our fault, a 503.
  if ((error as { isEndpointUnavailable?: unknown } | undefined)?.isEndpointUnavailable === true) {
    return new UnavailableError("Cannot reach the JWKS endpoint", { cause: error });
  }
  // jwks-rsa: the token names a key the JWKS does not have, even after one refresh (or refreshes
  // are used up for this minute: a stream of made-up kids must not become a stream of fetches).
  if (
    name === "SigningKeyNotFoundError" ||
    name === "JwksRateLimitError" ||
    (error instanceof Error && error.message === "Invalid token")
  ) {
    return ApiError.unauthorized("invalid token", presented);
  }
  // Anything else is a fault of ours (a 500), not the token's.
  return error instanceof Error ? error : new Error(String(error));
}
