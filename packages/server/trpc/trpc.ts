import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ApiError } from "../envelope/api_error.ts";
import { errorEnvelope } from "../envelope/error_envelope.ts";
import { DETAILS } from "../envelope/messages.ts";
import { UnavailableError } from "../envelope/unavailable_error.ts";
import { toErrorAnswer } from "../envelope/to_error_answer.ts";
import type { Context } from "./context.ts";

/**
 * What a procedure declares besides its input and output: its REST route
 * (`openapi`, trpc-to-openapi's), and whether the REST face answers
 * `302 Found` instead of the JSON: `redirectTo` picks the `Location` from the
 * procedure's output (the tRPC face returns the output as it is); and
 * `responseType`, a success's media type when it is not `application/json`.
 */
export interface ProcedureMeta extends OpenApiMeta {
  /** The `Location` of the REST face's `302`, from the output. */
  redirectTo?: (output: unknown) => string;
  /** The media type of the REST face's success, when not `application/json` (the STAC Item's `application/geo+json`). */
  responseType?: string;
}

// The tRPC error body is the envelope itself, so both faces answer alike:
// {"error":{"code":404,"message":"Task not found","data":null}}.
const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    // The envelope never carries a stack, so tRPC need not format one for every error shape (each 404).
    isDev: false,
    errorFormatter: ({ error }) => {
      const { code, message } = toErrorAnswer(error);
      return errorEnvelope(code, message);
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
function withAnswerCode(error: unknown): TRPCError {
  const answer = toErrorAnswer(error);
  const code = TRPC_CODES[answer.code] ?? "INTERNAL_SERVER_ERROR";
  if (error instanceof TRPCError && code === error.code) return error;
  // The wrapper of an answer (every 404, 401, …) needs no stack of its own, as ApiError has none;
  // a fault keeps its stack, and the cause always keeps its own.
  const limit = Error.stackTraceLimit;
  if (answer.fault === undefined) Error.stackTraceLimit = 0;
  try {
    if (error instanceof TRPCError) return new TRPCError({ code, message: error.message, cause: error.cause ?? error });
    return new TRPCError({ code, message: error instanceof Error ? error.message : String(error), cause: error });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * A procedure for an authenticated user: answers 503 at once until
 * migrations have run (PostgreSQL was down at start-up), then 401 (with the
 * reason) when the request's token was missing or refused, then 429 when the
 * user has no token left in their rate-limit bucket — all before any input
 * is read. One middleware for all of it, errors of the procedure included:
 * each level of tRPC's middleware chain copies the call's options and context.
 */
export const authedProcedure = t.procedure.use(async ({ ctx, next }) => {
  let result;
  try {
    if (!ctx.databaseReady) throw new UnavailableError("the database is not ready (unreachable at start-up)");
    if (ctx.auth.error !== undefined) throw ctx.auth.error;
    const user = ctx.auth.user;
    if (ctx.rateLimiter !== undefined) {
      const verdict = await ctx.rateLimiter.take(user.id);
      if (!verdict.allowed) throw ApiError.tooManyRequests(verdict.retryAfterSeconds);
    }
    result = await next({ ctx: { user } });
  } catch (error) {
    throw withAnswerCode(error);
  }
  if (result.ok) return result;
  throw withAnswerCode(result.error);
});

/** The scope a token needs to record tasks. */
export const WRITE_SCOPE = "tasks:write";

/** A procedure for the analysis pipeline: an authenticated token with the `tasks:write` scope, else 403. */
export const writerProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.user.scopes.has(WRITE_SCOPE)) throw ApiError.forbidden(DETAILS.lacksScope(WRITE_SCOPE));
  return next();
});
