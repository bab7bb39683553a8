import type { Middleware } from "koa";
import type { ServiceMetrics } from "../metrics/service_metrics.ts";

/**
 * Times every request into `http_request_duration_seconds`, labelled with
 * the route's pattern as the router matched it (`/files/*key`, never the
 * path itself, which carries task ids and file names), the method and the
 * status class. Installed only when metrics are on.
 *
 * @param metrics The service's metrics.
 * @returns The middleware.
 *
 * @example
 * ```ts
 * app.use(measureRequests(metrics));
 * ```
 */
export function measureRequests(metrics: ServiceMetrics): Middleware {
  return async function measure(ctx, next) {
    const started = performance.now();
    // "close" comes for answered and for abandoned requests alike.
    ctx.res.once("close", () => {
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      metrics.observeRequest(
        typeof route === "string" ? route : "unmatched",
        ctx.method,
        ctx.res.statusCode,
        (performance.now() - started) / 1000,
      );
    });
    await next();
  };
}
