import type { Middleware } from "koa";
import type { Logger } from "pino";
import { toErrorAnswer } from "../errors/to_error_answer.ts";
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
        sendError(ctx, { code: 404, message: "Not found", headers: {} });
      }
    } catch (error) {
      const answer = toErrorAnswer(error);
      if (answer.fault !== undefined) {
        logger.error({ err: answer.fault, reqId: ctx.state.requestId, path: ctx.path }, "request failed");
      }
      if (ctx.headerSent || !ctx.writable) return;
      sendError(ctx, answer);
    }
  };
}
