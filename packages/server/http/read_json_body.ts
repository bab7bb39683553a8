import { RESULT_CODES } from "@taskdl/contract";
import type { Context } from "koa";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS, MESSAGES } from "../envelope/messages.ts";
import { DEFAULT_BODY_LIMIT, readBody } from "./read_body.ts";

/**
 * Reads and parses a JSON object request body with a size limit. A body that is
 * not declared as JSON is refused unread.
 *
 * @param ctx The Koa context.
 * @param limit The largest body in bytes.
 * @returns The parsed body.
 * @throws {ApiError} 415 when not declared as `application/json`, 413 when too large, 400 when not valid JSON
 *   or not an object.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(ctx);
 * ```
 */
export async function readJsonBody(ctx: Context, limit: number = DEFAULT_BODY_LIMIT): Promise<unknown> {
  if (!ctx.is("application/json")) {
    throw new ApiError(RESULT_CODES.UNSUPPORTED_MEDIA_TYPE, MESSAGES.unsupportedMediaType);
  }
  const text = (await readBody(ctx, limit)).toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw ApiError.badRequest(DETAILS.notJson);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw ApiError.badRequest(DETAILS.notAnObject);
  }
  return body;
}
