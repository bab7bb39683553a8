import type { Context as KoaContext } from "koa";
import { createOpenApiNodeHttpHandler } from "trpc-to-openapi";
import { toErrorAnswer } from "../errors/to_error_answer.ts";
import type { Context } from "../trpc/context.ts";
import type { appRouter } from "../trpc/app_router.ts";
import { sendError } from "./send_error.ts";

/** Options of {@linkcode createRestHandler}. */
export interface RestHandlerOptions {
  /** Builds the tRPC context of a request. */
  createContext: (ctx: KoaContext) => Context;
  /** Told of every fault (5xx) for the log; the client only sees the envelope. */
  onFault: (fault: unknown, ctx: KoaContext) => void;
}

interface Pending {
  koa: KoaContext;
  error?: unknown;
}

/** The response trpc-to-openapi writes, collected instead of sent. */
interface Collected {
  statusCode: number;
  headers: Headers;
  body: string | undefined;
}

/**
 * Serves the router's OpenAPI procedures (trpc-to-openapi) as Koa handlers,
 * with one change: every error answers with the spec's envelope and HTTP
 * status = code. trpc-to-openapi's own error body (`{ message, code:
 * "NOT_FOUND", issues }`) cannot be reshaped by tRPC's `errorFormatter`, so
 * this thin wrapper keeps the error its `onError` reports and answers with
 * `to_error_answer.ts`, the same mapping the tRPC face uses.
 *
 * @param router The app router.
 * @param options How to build a request's context.
 * @returns A Koa handler; give it the parsed JSON body (if any) as the second argument.
 *
 * @example
 * ```ts
 * const rest = createRestHandler(appRouter, { createContext });
 * router.get("/analysis/task/get/Download/url", (ctx) => rest(ctx, undefined));
 * ```
 */
export function createRestHandler(router: typeof appRouter, options: RestHandlerOptions) {
  const pending = new WeakMap<object, Pending>();
  const handler = createOpenApiNodeHttpHandler({
    router,
    createContext: ({ req }: { req: object }) => options.createContext((pending.get(req) as Pending).koa),
    onError: ({ error, req }: { error: unknown; req: object }) => {
      const entry = pending.get(req);
      if (entry !== undefined) entry.error = error;
    },
    // trpc-to-openapi is typed for Node's IncomingMessage but handles a web Request natively.
  } as unknown as Parameters<typeof createOpenApiNodeHttpHandler>[0]) as unknown as (
    req: Request,
    res: object,
  ) => Promise<void>;

  return async function rest(ctx: KoaContext, body: unknown): Promise<void> {
    // Only what trpc-to-openapi reads: the body arrives parsed, credentials travel in the context.
    const headers = new Headers();
    const contentType = ctx.get("Content-Type");
    if (contentType !== "") headers.set("Content-Type", contentType);
    // HEAD is answered as GET; Koa drops the body.
    const method = ctx.method === "HEAD" ? "GET" : ctx.method;
    const request = new Request(new URL(ctx.originalUrl, "http://taskdl.invalid"), { method, headers });
    // trpc-to-openapi reads a pre-parsed body from `req.body`.
    Object.defineProperty(request, "body", { value: body ?? null });
    const entry: Pending = { koa: ctx };
    pending.set(request, entry);

    const collected = await collect(handler, request);
    if (entry.error !== undefined) {
      const answer = toErrorAnswer(entry.error);
      if (answer.fault !== undefined) options.onFault(answer.fault, ctx);
      sendError(ctx, answer);
      return;
    }
    ctx.status = collected.statusCode;
    ctx.type = "application/json";
    ctx.set("Cache-Control", "no-store");
    ctx.body = collected.body ?? "";
  };
}

function collect(handler: (req: Request, res: object) => Promise<void>, request: Request): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const collected: Collected = { statusCode: 200, headers: new Headers(), body: undefined };
    const res = {
      get statusCode() {
        return collected.statusCode;
      },
      set statusCode(code: number) {
        collected.statusCode = code;
      },
      setHeader(name: string, value: string | string[]) {
        for (const item of Array.isArray(value) ? value : [value]) collected.headers.append(name, item);
      },
      end(body?: string) {
        collected.body = body;
        resolve(collected);
      },
    };
    handler(request, res).catch(reject);
  });
}
