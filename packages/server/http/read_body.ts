import type { Context } from "koa";
import { ApiError } from "../envelope/api_error.ts";
import { MESSAGES } from "../envelope/messages.ts";

/** The largest JSON body accepted by default (10,000 outputs fit well within it). */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * Reads a request body whole, refusing one larger than `limit`.
 *
 * @param ctx The Koa context.
 * @param limit The largest body in bytes.
 * @returns The body's bytes.
 * @throws {ApiError} 413 when too large.
 *
 * @example
 * ```ts
 * const bytes = await readBody(ctx);
 * ```
 */
export async function readBody(ctx: Context, limit: number = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  const declared = Number(ctx.get("Content-Length") || "0");
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, MESSAGES.payloadTooLarge(limit));
}
