import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "pino";

const INCOMING_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Options of {@linkcode logRequests}. */
export interface LogRequestsOptions {
  /** The active trace's id, logged as `traceId`; unset when traces are off. */
  traceId?: () => string | undefined;
}

/**
 * Gives each request an id (a sane incoming `X-Request-Id`, else a new UUID),
 * echoes it, sets the headers every answer carries, and logs one access line
 * when the answer is done: method, path without query string, status,
 * duration. Nothing from headers or query strings is logged: they hold tokens
 * and link signatures.
 *
 * @param logger Where access lines go.
 * @param options `traceId`, the active trace's id, when traces are on.
 * @returns The middleware.
 *
 * @example
 * ```ts
 * app.use(logRequests(logger));
 * ```
 */
export function logRequests(logger: Logger, options: LogRequestsOptions = {}): Middleware {
  const { traceId } = options;
  // The access line holds no header or object, only the fields below: the logger's redaction (which walks
  // every line for `authorization` keys, about 2 µs a line) has nothing to do on it.
  const lines = logger.child({}, { redact: [] });
  return async function access(ctx, next) {
    const started = performance.now();
    // Read while the request's span is the active one.
    const trace = traceId?.();
    const incoming = ctx.get("X-Request-Id");
    const requestId = INCOMING_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set("X-Request-Id", requestId);
    ctx.set("X-Content-Type-Options", "nosniff");
    ctx.set("Referrer-Policy", "no-referrer");
    // "close" comes for answered and for abandoned requests alike.
    ctx.res.once("close", () => {
      lines.info(
        {
          reqId: requestId,
          ...(trace === undefined ? {} : { traceId: trace }),
          method: ctx.method,
          path: ctx.path,
          status: ctx.res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ...(ctx.res.writableFinished ? {} : { aborted: true }),
        },
        "request",
      );
    });
    await next();
  };
}
