import type { Context as KoaContext } from "koa";
import { getTRPCErrorFromUnknown, type TRPCError } from "@trpc/server";
import { getErrorShape, getHTTPStatusCode } from "@trpc/server/unstable-core-do-not-import";
import type { appRouter } from "../trpc/app_router.ts";
import type { Context } from "../trpc/context.ts";
import { clientGone } from "./client_gone.ts";
import type { ProcedureCall } from "./procedure_caller.ts";

/** A `GET` the quick path takes: one query, alone (`httpLink`) or as a batch of one (`httpBatchLink`). */
export interface GetQuery {
  /** The procedure's dotted path. */
  path: string;
  /** Calls the procedure. */
  call: ProcedureCall;
  /** The parsed `input` (for a batch, its one call's). */
  input: unknown;
  /** Whether it came as `?batch=1` (the answer is then an array of one). */
  batch: boolean;
}

/**
 * Whether a request to the tRPC endpoint is the typed client's everyday
 * call — a `GET` of one query, with nothing in its query string but
 * `input` (and `batch=1` with one call) — and if so, what it asks. Anything
 * else (mutations, subscriptions, several calls, streaming, an `input` that
 * is not JSON, a path that is not a query) is `undefined`: tRPC's own
 * adapter answers it.
 *
 * @param queryOf The call of the query at a path, `undefined` when there is no query there.
 * @param ctx The Koa context.
 * @param prefix Where the endpoint is mounted (`/trpc`).
 * @returns The query, or `undefined`.
 */
export function getQueryOf(
  queryOf: (path: string) => ProcedureCall | undefined,
  ctx: KoaContext,
  prefix: string,
): GetQuery | undefined {
  if (ctx.method !== "GET" || ctx.get("trpc-accept") !== "" || !ctx.path.startsWith(`${prefix}/`)) return undefined;
  const path = ctx.path.slice(prefix.length + 1);
  const call = queryOf(path);
  if (call === undefined) return undefined;
  let raw: string | null = null;
  let batch = false;
  for (const [name, value] of new URLSearchParams(ctx.querystring)) {
    if (name === "input" && raw === null) raw = value;
    else if (name === "batch" && value === "1" && !batch) batch = true;
    else return undefined;
  }
  if (raw === null) return undefined;
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (batch) {
    if (typeof input !== "object" || input === null || Object.keys(input).length !== 1 || !("0" in input))
      return undefined;
    input = (input as Record<string, unknown>)["0"];
  }
  return { path, call, input, batch };
}

/** Options of {@linkcode answerGetQuery}. */
export interface AnswerGetQueryOptions {
  /** The request's tRPC context. */
  context: Context;
  /** Told of every error, as tRPC's adapter tells `onError`. */
  onError: (error: TRPCError) => void;
  /** The headers tRPC's `responseMeta` would add, given the errors. */
  headersFor: (errors: TRPCError[]) => Record<string, string>;
}

/**
 * Answers a {@linkcode GetQuery} as tRPC's HTTP adapter would — the same
 * body (`{"result":{"data":…}}`, or `{"error":…}` shaped by the router's
 * error formatter; an array of one for a batch), the same status and
 * headers — but straight from Koa: the procedure runs through its
 * middleware chain (`procedure_caller.ts`), as on the REST face. tRPC's
 * fetch adapter builds a web `Request`, a `Headers`, a `Response` and reads
 * its body back for every call, and copies the context at each middleware;
 * `npm run bench`, scenario 4, measured that face at 0.66x the REST one.
 *
 * @param router The app router.
 * @param ctx The Koa context; its status, headers and body are set.
 * @param query What the request asks.
 * @param options The tRPC context, where errors go, and the headers to add.
 */
export async function answerGetQuery(
  router: typeof appRouter,
  ctx: KoaContext,
  query: GetQuery,
  options: AnswerGetQueryOptions,
): Promise<void> {
  const { path, call, input, batch } = query;
  const config = router._def._config;
  let response: { result: { data: unknown } } | { error: unknown };
  let errors: TRPCError[] = [];
  try {
    // Only a request that may wait needs to know when its client goes away.
    const signal = (input as { wait?: unknown } | null)?.wait === undefined ? undefined : clientGone(ctx);
    response = { result: { data: await call(options.context, input, signal) } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    options.onError(error);
    errors = [error];
    response = { error: getErrorShape({ config, ctx: options.context, error, input, path, type: "query" }) };
  }
  ctx.status = getHTTPStatusCode(response as Parameters<typeof getHTTPStatusCode>[0], errors);
  ctx.set("Vary", "trpc-accept, accept");
  for (const [name, value] of Object.entries(options.headersFor(errors))) ctx.set(name, value);
  ctx.set("Content-Type", "application/json");
  // What tRPC's transformTRPCResponse makes of it (the output transformer's serialize on the data or the error
  // shape), without the object spreads it copies the answer with.
  const { serialize } = config.transformer.output;
  const json =
    "error" in response ? { error: serialize(response.error) } : { result: { data: serialize(response.result.data) } };
  ctx.body = JSON.stringify(batch ? [json] : json); // a string: Node sends it with the headers in one write
}
