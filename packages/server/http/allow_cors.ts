import type { Middleware } from "koa";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS, MESSAGES } from "../envelope/messages.ts";

const ALLOW_METHODS = "GET, HEAD, PUT";
const ALLOW_HEADERS = "Authorization, Content-Type, X-Request-Id";
const EXPOSE_HEADERS = "Retry-After, WWW-Authenticate, X-Request-Id";

/**
 * CORS for browser clients, from `CORS_ORIGINS`: an allowed origin gets
 * `Access-Control-Allow-Origin` with its own value (or `*` when every
 * origin is allowed) and `Vary: Origin`; preflights are answered here (204).
 * Credentials are never allowed — tokens travel in `Authorization`, not in
 * cookies — so `*` can never become a credentialed wildcard. A preflight
 * from an origin not on the list is a 403 envelope; other requests from it
 * get no CORS headers, so the browser keeps the answer from the page.
 *
 * @param origins The allowed origins, or `"*"`; an empty list turns CORS off.
 * @returns The middleware.
 *
 * @example
 * ```ts
 * app.use(allowCors(["https://app.example.com"]));
 * ```
 */
export function allowCors(origins: readonly string[] | "*"): Middleware {
  const allowed = origins === "*" ? undefined : new Set(origins);
  return async function cors(ctx, next) {
    const origin = ctx.get("Origin");
    if (origin === "" || (allowed !== undefined && allowed.size === 0)) return next();
    ctx.vary("Origin");
    const ok = allowed === undefined || allowed.has(origin);
    const preflight = ctx.method === "OPTIONS" && ctx.get("Access-Control-Request-Method") !== "";
    if (!ok) {
      if (preflight) throw new ApiError(403, MESSAGES.forbidden(DETAILS.originNotAllowed));
      return next();
    }
    ctx.set("Access-Control-Allow-Origin", allowed === undefined ? "*" : origin);
    if (preflight) {
      ctx.set("Access-Control-Allow-Methods", ALLOW_METHODS);
      ctx.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
      ctx.set("Access-Control-Max-Age", "600");
      ctx.status = 204;
      return;
    }
    ctx.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    await next();
  };
}
