import type { Context as KoaContext } from "koa";
import { toErrorAnswer } from "../envelope/to_error_answer.ts";
import { derivedOf, isShared } from "../hot/hot_answers.ts";
import type { Context } from "../trpc/context.ts";
import type { ProcedureMeta } from "../trpc/trpc.ts";
import type { appRouter } from "../trpc/app_router.ts";
import { clientGone } from "./client_gone.ts";
import { procedureCaller } from "./procedure_caller.ts";
import { sendError } from "./send_error.ts";

/** A procedure served on a REST path, as its `openapi` meta declares it. */
export interface RestRoute {
  /** The HTTP method (`GET`, `PUT`, …). */
  method: string;
  /** The path in Koa's form (`/analysis/task/:taskId`); the OpenAPI form is `{taskId}`. */
  path: string;
  /** The procedure's dotted path in the router (`analysisTask.getDownloadUrl`). */
  procedure: string;
  /** The procedure's kind. */
  type: "query" | "mutation";
  /** Answers `302 Found` to the URL this picks from the output, instead of the JSON (`redirectTo` meta). */
  redirectTo?: ((output: unknown) => string) | undefined;
  /** The media type of a success, when not `application/json` (the meta's `responseType`). */
  responseType?: string | undefined;
}

/** Options of {@linkcode createRestHandler}. */
export interface RestHandlerOptions {
  /** Builds the tRPC context of a request. */
  createContext: (ctx: KoaContext) => Context;
  /** Told of every fault (5xx) for the log; the client only sees the envelope. */
  onFault: (fault: unknown, ctx: KoaContext) => void;
}

/**
 * The router's REST routes, read from each procedure's `openapi` meta — the
 * same meta `openapi_document.ts` publishes, so the document and the routes
 * cannot disagree.
 *
 * @param router The app router.
 * @returns One route per procedure that has a REST path.
 *
 * @example
 * ```ts
 * for (const route of restRoutes(appRouter)) console.log(route.method, route.path);
 * ```
 */
export function restRoutes(router: typeof appRouter): RestRoute[] {
  // Typed as the nested router record; at run time it is flat, keyed by the dotted path.
  const procedures = router._def.procedures as unknown as Record<
    string,
    { _def: { type: string; meta?: ProcedureMeta | undefined } }
  >;
  return Object.entries(procedures).flatMap(([procedure, { _def }]) => {
    const openapi = _def.meta?.openapi;
    if (openapi === undefined || (_def.type !== "query" && _def.type !== "mutation")) return [];
    const path = openapi.path.replace(/\{(\w+)\}/g, ":$1");
    return [
      {
        method: openapi.method,
        path,
        procedure,
        type: _def.type,
        redirectTo: _def.meta?.redirectTo,
        responseType: _def.meta?.responseType,
      },
    ];
  });
}

/**
 * Serves one procedure on its REST path: the input is the query string (GET)
 * or the JSON body, with the path's parameters on top; the procedure runs
 * through tRPC itself (its middleware chain, `procedure_caller.ts`), and every
 * answer is the spec's envelope with HTTP status = code (`to_error_answer.ts`,
 * the same mapping the tRPC face uses).
 *
 * This replaces trpc-to-openapi's HTTP handler, which built a web `Request`,
 * matched the path against every procedure and made a caller proxy on every
 * call — about a fifth of a cached answer's time — and whose error body could
 * not be shaped. trpc-to-openapi still generates the OpenAPI document.
 *
 * @param router The app router.
 * @param route The route to serve (from {@linkcode restRoutes}).
 * @param options How to build a request's context, and where faults go.
 * @returns A Koa handler; give it the parsed JSON body (if any) as the second argument.
 *
 * @example
 * ```ts
 * for (const route of restRoutes(appRouter)) {
 *   const rest = createRestHandler(appRouter, route, { createContext, onFault });
 *   router.all(route.path, async (ctx) => rest(ctx, route.method === "GET" ? undefined : await readJsonBody(ctx)));
 * }
 * ```
 */
export function createRestHandler(
  router: typeof appRouter,
  route: RestRoute,
  options: RestHandlerOptions,
): (ctx: KoaContext, body: unknown) => Promise<void> {
  const { createContext, onFault } = options;
  const call = procedureCaller(router, route.procedure, route.type);
  if (call === undefined) throw new Error(`no ${route.type} procedure ${route.procedure} in the router`);
  // A shared answer (a hot task's, for its second: hot/hot_answers.ts) has its bytes made once. Any other goes out
  // as a string, which Node sends with the headers in one write; a Buffer takes a second, corked one (1.10x the
  // req/s of cached answers of two outputs, docs/performance.md).
  const sharedBytes = derivedOf((data: object): Buffer => Buffer.from(JSON.stringify(data)));
  const serialise = (data: unknown): Buffer | string => (isShared(data) ? sharedBytes(data) : JSON.stringify(data));
  return async function rest(ctx: KoaContext, body: unknown): Promise<void> {
    const input: Record<string, unknown> = body === undefined ? queryInput(ctx.querystring) : { ...(body as object) };
    Object.assign(input, ctx.params);
    try {
      // Only a request that may wait needs to know when its client goes away.
      const data = await call(createContext(ctx), input, input.wait === undefined ? undefined : clientGone(ctx));
      if (route.redirectTo !== undefined) {
        ctx.body = null; // before the status: Koa makes an empty body a 204
        ctx.status = 302;
        ctx.set("Location", route.redirectTo(data));
        ctx.set("Cache-Control", "no-store");
        return;
      }
      ctx.status = 200;
      ctx.type = route.responseType ?? "application/json";
      ctx.set("Cache-Control", "no-store");
      ctx.body = serialise(data);
    } catch (error) {
      const answer = toErrorAnswer(error);
      if (answer.fault !== undefined) onFault(answer.fault, ctx);
      sendError(ctx, answer);
    }
  };
}

/** The query string as an input object: a value given once is a string, a repeated one an array. */
function queryInput(querystring: string): Record<string, unknown> {
  const input: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(querystring)) {
    const seen = input[name];
    input[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return input;
}
