import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ApiError } from "../errors/api_error.ts";
import { UnavailableError } from "../errors/unavailable_error.ts";
import { toErrorAnswer } from "../errors/to_error_answer.ts";
import type { Context } from "./context.ts";

// The tRPC error body is the envelope itself, so both faces answer alike:
// {"error":{"code":404,"message":"Task not found","data":null}}.
const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    errorFormatter: ({ error }) => {
      const { code, message } = toErrorAnswer(error);
      return { code, message, data: null };
    },
  });

/** Builds a router. */
export const router = t.router;

const TRPC_CODES: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

// tRPC wraps a thrown ApiError (or a database fault) as INTERNAL_SERVER_ERROR;
// give it the code its answer calls for, so both faces send HTTP status = envelope code.
const mapped = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const code = TRPC_CODES[toErrorAnswer(result.error).code] ?? "INTERNAL_SERVER_ERROR";
  if (code === result.error.code) return result;
  throw new TRPCError({ code, message: result.error.message, cause: result.error.cause ?? result.error });
});

// Until migrations have run (PostgreSQL was down at start-up), every procedure answers 503 at once.
const procedure = mapped.use(({ ctx, next }) => {
  if (!ctx.databaseReady) throw new UnavailableError("the database is not ready (unreachable at start-up)");
  return next();
});

/**
 * A procedure for an authenticated user: answers 401 (with the reason) when
 * the request's token was missing or refused, then 429 when the user has no
 * token left in their rate-limit bucket — both before any input is read.
 */
export const authedProcedure = procedure.use(async ({ ctx, next }) => {
  if (ctx.auth.error !== undefined) throw ctx.auth.error;
  const user = ctx.auth.user;
  if (ctx.rateLimiter !== undefined) {
    const verdict = await ctx.rateLimiter.take(user.id);
    if (!verdict.allowed) throw ApiError.tooManyRequests(verdict.retryAfterSeconds);
  }
  return next({ ctx: { ...ctx, user } });
});

/** The scope a token needs to record tasks. */
export const WRITE_SCOPE = "tasks:write";

/** A procedure for the analysis pipeline: an authenticated token with the `tasks:write` scope, else 403. */
export const writerProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.user.scopes.has(WRITE_SCOPE)) throw ApiError.forbidden(`token lacks scope ${WRITE_SCOPE}`);
  return next();
});
