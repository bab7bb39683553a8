import Router from "@koa/router";
import { serveStacItems } from "./serve_stac_items.ts";
import { ITEM_LINKS_PATH } from "../tasks/item_links.ts";
import Koa, { type Context as KoaContext, type Middleware } from "koa";
import type { Logger } from "pino";
import type { JwtConfig } from "../config/load_config.ts";
import type { AuthOutcome } from "../auth/auth_user.ts";
import { createAuthMiddleware } from "../auth/create_auth_middleware.ts";
import { ApiError } from "../envelope/api_error.ts";
import { appRouter } from "../trpc/app_router.ts";
import { type AppServices, createContext } from "../trpc/context.ts";
import { allowCors } from "./allow_cors.ts";
import { handleErrors, logFault } from "./handle_errors.ts";
import type { ServiceMetrics } from "../metrics/service_metrics.ts";
import { logRequests } from "./log_requests.ts";
import { measureRequests } from "./measure_requests.ts";
import { readJsonBody } from "./read_json_body.ts";
import { createRestHandler, restRoutes } from "./rest_handler.ts";
import { API_DOCS_PATH, serveApiDocs } from "./serve_api_docs.ts";
import { serveLinks } from "./serve_links.ts";
import { createTrpcHandler } from "./trpc_handler.ts";

/** Options of {@linkcode createApp}. */
export interface CreateAppOptions {
  /** Token verification settings. */
  jwt: JwtConfig;
  /** Where faults go, and access lines unless `accessLogger` is set. */
  logger: Logger;
  /** Where access lines go; `logger` by default. */
  accessLogger?: Logger | undefined;
  /** Browser origins allowed by CORS (`CORS_ORIGINS`). */
  corsOrigins?: readonly string[] | "*";
  /** The service's public origin (`PUBLIC_BASE_URL`, else where it listens): where expired links send clients. */
  publicBaseUrl?: string;
  /** The active trace's id, when traces are on: the access line then carries it. */
  traceId?: (() => string | undefined) | undefined;
  /** The Prometheus metrics; when unset (metrics off) requests are not timed at all. */
  metrics?: ServiceMetrics | undefined;
}

/**
 * Wires the Koa application: request ids and access log, the error envelope,
 * health probes, the OpenAPI document, the local adapter's file links, auth,
 * and the one router served twice — REST paths through trpc-to-openapi and
 * `/trpc/*` for the typed client. Koa only wires; the rules live in the
 * procedures and `tasks/`.
 *
 * @param services The ORM, signer and link lifetime limits.
 * @param options Auth settings and the logger.
 * @returns The Koa application.
 *
 * @example
 * ```ts
 * const app = createApp(services, { jwt: config.jwt, logger });
 * http.createServer(app.callback()).listen(3000);
 * ```
 */
export function createApp(services: AppServices, options: CreateAppOptions): Koa {
  const { jwt, logger, accessLogger = logger, corsOrigins = [], publicBaseUrl, metrics, traceId } = options;
  const app = new Koa();
  const router = new Router({ sensitive: true });
  const authenticate = createAuthMiddleware(jwt);
  // An unreadable GeoTIFF header is logged by file name and reason only: the error names no URL or secret.
  const onUnreadableRaster =
    services.onUnreadableRaster ??
    ((fileName: string, error: Error) =>
      logger.warn(
        { fileName, reason: String((error.cause as Error | undefined)?.message ?? error.message) },
        "GeoTIFF header unreadable: recorded without georeferencing",
      ));
  const withLog: AppServices = { ...services, onUnreadableRaster };
  const contextOf = (ctx: KoaContext) => createContext(withLog, ctx.state.auth as AuthOutcome);
  const onFault = (fault: unknown, ctx: KoaContext) => logFault(logger, fault, ctx);
  const trpc = createTrpcHandler(appRouter, { createContext: contextOf, onFault });
  // Built on its first request: trpc-to-openapi and what it brings (about 20 MB resident) load only then.
  let openApiDocument: Promise<string> | undefined;
  const openApiDocumentOf = () =>
    (openApiDocument ??= import("./openapi_document.ts").then(({ buildOpenApiDocument }) =>
      JSON.stringify(buildOpenApiDocument()),
    ));

  router.get("/healthz", (ctx) => {
    ctx.set("Cache-Control", "no-store");
    ctx.body = { status: "ok" };
  });
  router.get("/readyz", async (ctx) => {
    ctx.set("Cache-Control", "no-store");
    const { stopping = false, databaseReady = true } = services.status ?? {};
    const reason = stopping
      ? "shutting down"
      : !databaseReady
        ? "database not ready"
        : (await (services.isDatabaseConnected?.() ?? Promise.resolve(true)).catch(() => false))
          ? undefined
          : "database unreachable";
    ctx.status = reason === undefined ? 200 : 503;
    ctx.body = reason === undefined ? { status: "ready" } : { status: "unavailable", reason };
  });
  router.get("/openapi.json", async (ctx) => {
    ctx.type = "application/json";
    ctx.body = await openApiDocumentOf();
  });
  router.all(`${API_DOCS_PATH}{/*rest}`, only("GET, HEAD"), serveApiDocs());

  // Links that point back at this service (the local adapter's) are the adapter's to serve.
  const { links } = services.signer;
  if (links !== undefined) router.all(`${links.prefix}*key`, only("GET, HEAD"), serveLinks(links, { publicBaseUrl }));

  // The tokenless links of STAC Items (their self/canonical), for tools that cannot send a token.
  const { itemLinks } = services;
  if (itemLinks !== undefined) {
    const stacItems = serveStacItems({ tasks: services.tasks, signer: services.signer, itemLinks });
    router.all(`${ITEM_LINKS_PATH}:taskId`, only("GET, HEAD"), stacItems);
  }

  // The REST paths are the procedures' own `openapi` meta, as published in the document.
  for (const route of restRoutes(appRouter)) {
    const rest = createRestHandler(appRouter, route, { createContext: contextOf, onFault });
    const withBody = route.method !== "GET" && route.method !== "DELETE";
    const allow = route.method === "GET" ? "GET, HEAD" : route.method;
    router.all(route.path, only(allow), authenticate, async (ctx) =>
      rest(ctx, withBody ? await readJsonBody(ctx) : undefined),
    );
  }
  router.all("/trpc/*path", authenticate, trpc);

  if (metrics !== undefined) app.use(measureRequests(metrics));
  app.use(logRequests(accessLogger, traceId === undefined ? {} : { traceId }));
  app.use(handleErrors(logger));
  app.use(allowCors(corsOrigins));
  app.use(router.routes());
  return app;
}

/** Answers other methods with the 405 envelope and an `Allow` header. */
function only(allow: string): Middleware {
  const methods = new Set(allow.split(",").map((method) => method.trim()));
  return async function allowed(ctx, next) {
    if (!methods.has(ctx.method)) throw ApiError.methodNotAllowed(allow);
    await next();
  };
}
