import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ApiError } from "../envelope/api_error.ts";
import { errorEnvelope } from "../envelope/error_envelope.ts";
import { DETAILS } from "../envelope/messages.ts";
import { UnavailableError } from "../envelope/unavailable_error.ts";
import { toErrorAnswer } from "../envelope/to_error_answer.ts";
import type { z } from "zod";
import type { AuthUser } from "../auth/auth_user.ts";
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
 * Lets a request in, or says why not: 503 at once until migrations have run
 * (PostgreSQL was down at start-up), then 401 (with the reason) when the
 * request's token was missing or refused, then 429 when the user has no
 * token left in their rate-limit bucket, then 403 when a `scope` is named
 * and the token lacks it — all before any input is read. The one place these
 * rules live, for {@linkcode authed} and {@linkcode authedProcedure} alike.
 */
async function admit(ctx: Context, scope?: string): Promise<AuthUser> {
  if (!ctx.databaseReady) throw new UnavailableError("the database is not ready (unreachable at start-up)");
  if (ctx.auth.error !== undefined) throw ctx.auth.error;
  const user = ctx.auth.user;
  if (ctx.rateLimiter !== undefined) {
    const verdict = await ctx.rateLimiter.take(user.id);
    if (!verdict.allowed) throw ApiError.tooManyRequests(verdict.retryAfterSeconds);
  }
  if (scope !== undefined && !user.scopes.has(scope)) throw ApiError.forbidden(DETAILS.lacksScope(scope));
  return user;
}

/**
 * A subscription's procedure for an authenticated user ({@linkcode admit}),
 * as a middleware: a subscription's errors while it streams are tRPC's to
 * send. Queries and mutations use {@linkcode authed}, which costs one level
 * of tRPC's middleware chain instead of four.
 */
export const authedProcedure = t.procedure.use(async ({ ctx, next }) => {
  let result;
  try {
    result = await next({ ctx: { user: await admit(ctx) } });
  } catch (error) {
    throw withAnswerCode(error);
  }
  if (result.ok) return result;
  throw withAnswerCode(result.error);
});

/** The scope a token needs to record tasks. */
export const WRITE_SCOPE = "tasks:write";

/** What the resolver of an {@linkcode authed} procedure is given. */
export interface AuthedCall<I> {
  /** The input, parsed by the procedure's input schema. */
  input: I;
  /** The request's context. */
  ctx: Context;
  /** The user the token names, admitted. */
  user: AuthUser;
  /** Aborts when the client goes away (set only for requests that may wait). */
  signal: AbortSignal | undefined;
}

/** What an {@linkcode authed} procedure declares. */
export interface AuthedOptions<I extends z.ZodType, O extends z.ZodType> {
  /** The input schema: the procedure's input type, the document's parameters, and each request's check (400). */
  input: I;
  /** The output schema: the procedure's output type, the document's response, and each answer's check (500). */
  output: O;
  /** The REST route and the rest of the procedure's meta. */
  meta?: ProcedureMeta;
  /** The scope the token needs, else 403. */
  scope?: string;
}

/**
 * A query or mutation for an authenticated user ({@linkcode admit}), its
 * input parsed and its output checked by its schemas, as `.input()` and
 * `.output()` would, with tRPC's own errors (`BAD_REQUEST` with the zod
 * issues; `Output validation failed`) — in one function, the procedure's
 * resolver. tRPC runs each middleware level (`.use`, `.input`, `.output`
 * and the resolver are one each) through its object-spread helper, which
 * copies the call's options twice a level: about 5 µs a level, 10 % of a
 * cached answer (docs/performance.md). The schemas are still declared on
 * the procedure (`_def.inputs`, `_def.output`), so the typed client's types
 * and the OpenAPI document are what `.input()` and `.output()` give.
 *
 * @param options The schemas, the meta and the scope.
 * @returns `query` and `mutation`, each taking the resolver.
 *
 * @example
 * ```ts
 * const getTask = authed({ input: DownloadUrlRequest, output: DownloadUrlEnvelope })
 *   .query(async ({ input, user }) => success(await findTask(input.taskId, user.id)));
 * ```
 */
export function authed<I extends z.ZodType, O extends z.ZodType>(options: AuthedOptions<I, O>): Authed<I, O> {
  const { input, output, scope } = options;
  const builder = declared(input, output, options.meta);
  type Resolver = Parameters<typeof builder.query>[0];
  const guarded = (resolve: AuthedResolver<I, O>) => async (opts: ResolverOptions) => {
    try {
      const user = await admit(opts.ctx, scope);
      // Read outside the check, as tRPC's input parser does: an input that cannot be read keeps its own error.
      const raw = await opts.getRawInput();
      let parsed: z.output<I>;
      try {
        parsed = await parseWith(input, raw);
      } catch (cause) {
        throw new TRPCError({ code: "BAD_REQUEST", cause });
      }
      const data = await resolve({ input: parsed, ctx: opts.ctx, user, signal: opts.signal });
      try {
        // What the output schema gives, as `.output()` would send it; typed as what the resolver returns.
        return (await parseWith(output, data)) as z.input<O>;
      } catch (cause) {
        throw new TRPCError({ message: "Output validation failed", code: "INTERNAL_SERVER_ERROR", cause });
      }
    } catch (error) {
      throw withAnswerCode(error);
    }
  };
  return {
    query: (resolve) => builder.query(guarded(resolve) as unknown as Resolver),
    mutation: (resolve) => builder.mutation(guarded(resolve) as unknown as Resolver),
  };
}

/** The resolver of an {@linkcode authed} procedure: its answer is checked by the output schema. */
export type AuthedResolver<I extends z.ZodType, O extends z.ZodType> = (
  call: AuthedCall<z.output<I>>,
) => Promise<z.input<O>>;

/** An {@linkcode authed} procedure, waiting for its resolver. */
export interface Authed<I extends z.ZodType, O extends z.ZodType> {
  /** The procedure as a query. */
  query(resolve: AuthedResolver<I, O>): ReturnType<Declared<I, O>["query"]>;
  /** The procedure as a mutation. */
  mutation(resolve: AuthedResolver<I, O>): ReturnType<Declared<I, O>["mutation"]>;
}

// What tRPC hands a resolver: the options its middlewares get, `getRawInput` included (its resolver type names fewer).
interface ResolverOptions {
  ctx: Context;
  signal: AbortSignal | undefined;
  getRawInput: () => Promise<unknown>;
}

// As tRPC's parsers do: zod's synchronous parse, and its asynchronous one for a schema with asynchronous checks.
async function parseWith<T extends z.ZodType>(schema: T, value: unknown): Promise<z.output<T>> {
  try {
    return schema.parse(value);
  } catch (error) {
    if (Array.isArray((error as { issues?: unknown } | null)?.issues)) throw error;
    return await schema.parseAsync(value);
  }
}

// The procedure's builder: its meta, and its schemas declared (`declaring`).
function declared<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, meta: ProcedureMeta | undefined) {
  return (meta === undefined ? t.procedure : t.procedure.meta(meta)).concat(declaring(input, output));
}
type Declared<I extends z.ZodType, O extends z.ZodType> = ReturnType<typeof declared<I, O>>;

// A builder that declares the schemas and runs neither: `.input()` and `.output()` add a middleware each,
// which `authed` does without; `concat` merges the declarations into the procedure.
function declaring<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  const builder = t.procedure.input(input).output(output);
  return { ...builder, _def: { ...builder._def, middlewares: [] } } as typeof builder;
}
