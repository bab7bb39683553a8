import type { Context, Middleware, Next } from "koa";
import koaJwt from "koa-jwt";
import jwt from "jsonwebtoken";
import type { JwtConfig } from "../config/load_config.ts";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS } from "../envelope/messages.ts";
import type { AuthOutcome } from "./auth_user.ts";
import { type Claims, checkClaims, toUser } from "./jwt_claims.ts";
import { malformedAuthorization, parseAuthorization } from "./parse_authorization.ts";
import { toAuthError } from "./to_auth_error.ts";
import { tokenKeys } from "./token_keys.ts";
import { VerifiedTokens } from "./verified_tokens.ts";

/**
 * Authenticates requests with koa-jwt: takes the token from `Authorization`
 * (`Bearer <jwt>` or a bare JWT; a repeated header is refused), verifies it
 * against the pinned algorithms (HS256 and kin with the shared secret; RS, ES
 * and PS algorithms with keys from the JWKS URL), requires `exp` and `sub`,
 * honours `nbf`, checks `iss`/`aud` when configured, and allows the
 * configured clock tolerance. It never answers by itself: it leaves
 * `ctx.state.auth` as `{ user }` or `{ error }` for the procedure to act on,
 * so REST and tRPC answer auth failures the same way.
 *
 * koa-jwt runs as the middleware it is, in `passthrough` mode: it reads the
 * token this middleware parsed (`getToken`), leaves the verified claims in
 * `ctx.state.jwtClaims` or its error in `ctx.state.jwtOriginalError` (its
 * documented outcome), and calls on; the next step turns that into the
 * outcome. A token that passed is not verified again for a minute (at most
 * until its `exp`): see {@linkcode VerifiedTokens}.
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
  const jwks = config.jwksUrl !== undefined;
  const verify = koaJwt({
    // koa-jwt hands `secret` to jsonwebtoken, which takes KeyObjects; koa-jwt's types predate them.
    secret: tokenKeys(config) as unknown as koaJwt.Options["secret"],
    algorithms: config.algorithms,
    clockTolerance: config.clockToleranceSeconds,
    passthrough: true,
    key: "jwtClaims",
    getToken: (ctx) => ctx.state.bearerToken as string,
    // Run once the signature and times have passed: the claims the service needs, as typed refusals.
    isRevoked: (_ctx, claims) => {
      checkClaims(claims as Claims, config);
      return Promise.resolve(false);
    },
  } as koaJwt.Options);

  // koa-jwt's outcome, as the request's.
  function outcome(ctx: Context, token: string): AuthOutcome {
    const failure = ctx.state.jwtOriginalError as unknown;
    if (failure !== undefined) return { error: toAuthError(failure) };
    const claims = ctx.state.jwtClaims as Claims;
    const user = toUser(claims);
    remembered.remember(token, user, claims.exp as number);
    return { user };
  }

  return function authenticate(ctx: Context, next: Next): Promise<void> {
    // Node keeps the first of repeated Authorization headers; an ambiguous request is refused instead.
    const parsed = repeatsAuthorization(ctx.req.rawHeaders)
      ? malformedAuthorization()
      : parseAuthorization(ctx.get("Authorization") || undefined);
    if ("error" in parsed) {
      ctx.state.auth = { error: parsed.error } satisfies AuthOutcome;
      return next();
    }
    const { token } = parsed;
    const known = remembered.get(token);
    if (known !== undefined) {
      ctx.state.auth = { user: known } satisfies AuthOutcome;
      return next();
    }
    // With a JWKS, koa-jwt decodes the header to find the key and throws an untyped error when it
    // cannot; a token that does not even decode is refused here, as the bad token it is.
    if (jwks && jwt.decode(token, { complete: true }) === null) {
      ctx.state.auth = {
        error: ApiError.unauthorized(DETAILS.invalidToken, { tokenPresented: true }),
      } satisfies AuthOutcome;
      return next();
    }
    ctx.state.bearerToken = token;
    return verify(ctx, () => {
      ctx.state.auth = outcome(ctx, token);
      return next();
    });
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
