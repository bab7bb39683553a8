import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { UrlSigner } from "@taskdl/storage";
import type { Logger } from "pino";
import type { Config } from "./config/load_config.ts";
import { createServices, type Services } from "./create_services.ts";
import { errorBody } from "./envelope/error_envelope.ts";
import { MESSAGES } from "./envelope/messages.ts";
import { answerClientErrors } from "./http/answer_client_errors.ts";
import { createApp } from "./http/create_app.ts";
import { DrainableServer } from "./http/drain_server.ts";
import { serveMetrics } from "./metrics/serve_metrics.ts";
import { hostForUrl, listen } from "./startup/listen.ts";

/** A started service. */
export interface RunningServer {
  /** The HTTP server. */
  server: Server;
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** The origin its download links start with. */
  publicBaseUrl: string;
  /** The connected ORM. */
  orm: MikroORM;
  /** The storage adapter. */
  signer: UrlSigner;
  /** The embedded PostgreSQL's cluster folder; unset when the database is `DATABASE_URL`'s. */
  embeddedDatabase: string | undefined;
  /** Where Prometheus scrapes, e.g. `http://127.0.0.1:9464/metrics`; unset when metrics are off. */
  metricsUrl: string | undefined;
  /** Whether every replica's task changes reach this one's cache now (`TASK_CACHE_LISTEN`). */
  taskCacheListening(): boolean;
  /**
   * Shuts down gracefully: `/readyz` turns 503, new connections are refused,
   * requests in flight finish (up to `SHUTDOWN_TIMEOUT_MS`), then the
   * services close (the pool, the embedded database …).
   */
  close(): Promise<void>;
}

/** Options of {@linkcode startServer}. */
export interface StartServerOptions {
  /** Where logs go. */
  logger: Logger;
  /** Where access lines go; `logger` by default. */
  accessLogger?: Logger;
}

const STARTING_BODY = errorBody(503, MESSAGES.starting);

/**
 * Starts the service: listens first (so a port that is taken stops start-up
 * at once, and requests get a 503 envelope until everything is ready), then
 * builds the services (`create_services.ts`) and serves the app. This file
 * only listens and drains.
 *
 * @param config The validated configuration.
 * @param options The logger, and the access lines' own when they go elsewhere.
 * @returns The running service.
 * @throws {StartupError} When the port cannot be had or a service cannot be set up.
 *
 * @example
 * ```ts
 * const running = await startServer(loadConfig(process.env), { logger });
 * console.log(running.url);
 * await running.close();
 * ```
 */
export async function startServer(config: Config, options: StartServerOptions): Promise<RunningServer> {
  const { logger, accessLogger } = options;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" }).end(STARTING_BODY);
  };
  const server = createServer((req, res) => handler(req, res));
  answerClientErrors(server);
  const drainable = new DrainableServer(server);
  server.keepAliveTimeout = 65_000;
  await listen(server, config.port, config.host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostForUrl(config.host)}:${port}`;
  const publicBaseUrl = config.publicBaseUrl ?? url;

  // prom-client loads only when metrics are on.
  const metrics =
    config.metrics === undefined ? undefined : new (await import("./metrics/service_metrics.ts")).ServiceMetrics();
  const metricsServer = metrics === undefined ? undefined : serveMetrics(metrics);
  const closeMetrics = () =>
    metricsServer?.listening ? new Promise<void>((resolve) => metricsServer.close(() => resolve())) : Promise.resolve();
  let metricsUrl: string | undefined;
  let services: Services;
  try {
    if (metricsServer !== undefined && config.metrics !== undefined) {
      await listen(metricsServer, config.metrics.port, config.metrics.host);
      metricsUrl = `http://${hostForUrl(config.metrics.host)}:${(metricsServer.address() as AddressInfo).port}/metrics`;
    }
    services = await createServices(config, { logger, publicBaseUrl, metrics });
  } catch (error) {
    await closeMetrics();
    await drainable.close(0);
    throw error;
  }
  const { readiness, listener } = services;
  const app = createApp(
    {
      tasks: services.tasks,
      signer: services.signer,
      itemLinks: services.itemLinks,
      ttl: { defaultTtl: config.downloadUrlTtl, maxTtl: config.downloadUrlMaxTtl },
      rateLimiter: services.rateLimiter,
      answers: services.answers,
      waiters: services.waiters,
      hashSlots: services.hashSlots,
      status: {
        get databaseReady() {
          return readiness.ready;
        },
        get stopping() {
          return drainable.draining;
        },
      },
      isDatabaseConnected: () => services.orm.isConnected(),
    },
    {
      jwt: config.jwt,
      logger,
      accessLogger,
      corsOrigins: config.corsOrigins,
      publicBaseUrl,
      metrics,
      // The OpenTelemetry API loads only when traces are on.
      traceId: config.tracing ? (await import("./tracing/active_trace_id.ts")).activeTraceId : undefined,
    },
  );
  handler = app.callback();
  logger.info({ url, publicBaseUrl, storage: services.signer.driver, metricsUrl }, "listening");

  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    publicBaseUrl,
    orm: services.orm,
    signer: services.signer,
    embeddedDatabase: services.embeddedDatabase,
    metricsUrl,
    taskCacheListening: () => listener?.listening ?? false,
    close: () =>
      (closing ??= (async () => {
        // Requests waiting for a task are answered at once (503, Retry-After): a drain does not wait out their wait.
        services.waiters.close();
        const { inFlight } = drainable;
        if (inFlight > 0)
          logger.info({ inFlight, timeoutMs: config.shutdownTimeoutMs }, "waiting for requests in flight");
        await drainable.close(config.shutdownTimeoutMs);
        await services.close();
        await closeMetrics();
      })()),
  };
}
