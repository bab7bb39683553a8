import type { Context as KoaContext } from "koa";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { clientGone } from "./client_gone.ts";
import { toErrorAnswer } from "../envelope/to_error_answer.ts";
import type { Context } from "../trpc/context.ts";
import type { appRouter } from "../trpc/app_router.ts";
import { readBody } from "./read_body.ts";
import { answerGetQuery, getQueryOf } from "./trpc_get_query.ts";
import { type ProcedureCall, procedureCaller } from "./procedure_caller.ts";

/** Options of {@linkcode createTrpcHandler}. */
export interface TrpcHandlerOptions {
  /** Builds the tRPC context of a request. */
  createContext: (ctx: KoaContext) => Context;
  /** Told of every fault (5xx) for the log; the client only sees the envelope. */
  onFault: (fault: unknown, ctx: KoaContext) => void;
  /** Where the tRPC endpoint is mounted. Defaults to `/trpc`. */
  prefix?: string;
  /**
   * Answers a `GET` of one query straight from Koa, the same answer as tRPC's adapter's
   * (`trpc_get_query.ts`). Defaults to `true`; `false` sends every request through the adapter.
   */
  quickQueries?: boolean;
}

/**
 * Serves the router over tRPC's HTTP protocol under `/trpc/<procedure>` for
 * the typed client. A `GET` of one query (what `httpLink` and
 * `httpBatchLink` send for every call) is answered straight from Koa
 * (`trpc_get_query.ts`, the adapter's answer without its web `Request` and
 * `Response`); everything else goes through tRPC's fetch adapter (so its
 * failures reach Koa's error handling like any other). Error bodies are the envelope
 * (`errorFormatter` in `trpc.ts`); this adds the headers the REST face sends
 * (`WWW-Authenticate` on 401, `Cache-Control: no-store`).
 *
 * @param router The app router.
 * @param options How to build a request's context, and where faults go.
 * @returns A Koa handler.
 *
 * @example
 * ```ts
 * const trpc = createTrpcHandler(appRouter, { createContext, onFault });
 * router.all("/trpc/*path", trpc);
 * ```
 */
export function createTrpcHandler(
  router: typeof appRouter,
  options: TrpcHandlerOptions,
): (ctx: KoaContext) => Promise<void> {
  const { createContext, onFault, prefix = "/trpc", quickQueries = true } = options;
  // What `responseMeta` adds: the REST face's headers (`WWW-Authenticate` on 401, …) and `no-store`.
  const headersFor = (errors: readonly unknown[]): Record<string, string> => {
    const headers: Record<string, string> = { "Cache-Control": "no-store" };
    const first = errors[0];
    if (first !== undefined) Object.assign(headers, toErrorAnswer(first).headers);
    return headers;
  };
  const onError = (ctx: KoaContext) => (error: unknown) => {
    const answer = toErrorAnswer(error);
    if (answer.fault !== undefined) onFault(answer.fault, ctx);
  };
  // Each query's call, found on its first request; a path with no query is looked up each time, never kept.
  const queries = new Map<string, ProcedureCall>();
  const queryOf = (path: string): ProcedureCall | undefined => {
    let call = queries.get(path);
    if (call === undefined) {
      call = procedureCaller(router, path, "query");
      if (call !== undefined) queries.set(path, call);
    }
    return call;
  };
  return async function trpc(ctx: KoaContext): Promise<void> {
    const query = quickQueries ? getQueryOf(queryOf, ctx, prefix) : undefined;
    if (query !== undefined) {
      await answerGetQuery(router, ctx, query, { context: createContext(ctx), onError: onError(ctx), headersFor });
      return;
    }
    const hasBody = ctx.method !== "GET" && ctx.method !== "HEAD";
    const headers = new Headers();
    for (const name of ["content-type", "accept", "trpc-accept"]) {
      const value = ctx.get(name);
      if (value !== "") headers.set(name, value);
    }
    const request = new Request(new URL(ctx.originalUrl, "http://taskdl.invalid"), {
      method: ctx.method,
      headers,
      // A waiting query or a subscription ends when its client goes away.
      signal: clientGone(ctx),
      ...(hasBody ? { body: new Uint8Array(await readBody(ctx)) } : {}),
    });
    const response = await fetchRequestHandler({
      endpoint: prefix,
      req: request,
      router,
      createContext: () => createContext(ctx),
      responseMeta: ({ errors }) => ({ headers: headersFor(errors) }),
      onError: ({ error }) => onError(ctx)(error),
    });
    ctx.status = response.status;
    response.headers.forEach((value, name) => ctx.set(name, value));
    // A subscription's event stream goes out as it comes; everything else is one small buffer.
    ctx.body =
      response.body !== null && response.headers.get("content-type")?.startsWith("text/event-stream")
        ? Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)
        : Buffer.from(await response.arrayBuffer());
  };
}
