import type { Context } from "koa";
import { errorEnvelope } from "../envelope/error_envelope.ts";
import type { ErrorAnswer } from "../envelope/to_error_answer.ts";

/**
 * Answers a Koa request with the error envelope `{ code, message, data: null }`,
 * HTTP status = code, and the answer's headers.
 *
 * @param ctx The Koa context.
 * @param answer The error's answer.
 *
 * @example
 * ```ts
 * sendError(ctx, toErrorAnswer(ApiError.taskNotFound()));
 * ```
 */
export function sendError(ctx: Context, answer: ErrorAnswer): void {
  ctx.status = answer.code;
  for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
  ctx.set("Cache-Control", "no-store");
  ctx.body = errorEnvelope(answer.code, answer.message);
}
