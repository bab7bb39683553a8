import type { Context, Middleware } from "koa";
import type { Logger } from "pino";
import { isUnavailable } from "../envelope/is_unavailable.ts";
import { toErrorAnswer } from "../envelope/to_error_answer.ts";
import { MESSAGES } from "../envelope/messages.ts";
import { sendError } from "./send_error.ts";

/**
 * The outermost middleware: answers anything thrown below it with the error
 * envelope (logging faults, without request details that could hold
 * secrets), and answers paths no route took with `404 Not found`.
 *
 * @param logger Where faults are logged.
 * @returns The middleware.
 *
 * @example
 * ```ts
 * app.use(handleErrors(logger));
 * ```
 */
export function handleErrors(logger: Logger): Middleware {
  return async function errors(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) {
        sendError(ctx, { code: 404, message: MESSAGES.routeNotFound, headers: {} });
      }
    } catch (error) {
      const answer = toErrorAnswer(error);
      if (answer.fault !== undefined) {
        logFault(logger, answer.fault, ctx);
      }
      if (ctx.headerSent || !ctx.writable) return;
      sendError(ctx, answer);
    }
  };
}

/**
 * Logs a request's fault with its request id: an outage (a 503) as a
 * warning — it is expected while a dependency is down and can be many —
 * anything else (a 500) as an error.
 *
 * @param logger The logger.
 * @param fault The error.
 * @param ctx The request.
 */
export function logFault(logger: Logger, fault: unknown, ctx: Context): void {
  const line = { err: fault, reqId: ctx.state.requestId, path: ctx.path };
  if (isUnavailable(fault)) logger.warn(line, "request failed: dependency unavailable");
  else logger.error(line, "request failed");
}
