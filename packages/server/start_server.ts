import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import type { Config } from "./config/load_config.ts";
import { persistedSecret } from "./config/persisted_secret.ts";
import { DatabaseReadiness } from "./db/database_readiness.ts";
import { initOrm } from "./db/init_orm.ts";
import { TaskChangeListener } from "./db/task_change_listener.ts";
import { seedDemo } from "./demo/seed_demo.ts";
import { embeddedClusterFolder } from "./embedded_postgres/embedded_cluster_folder.ts";
import { startEmbeddedPostgres } from "./embedded_postgres/start_embedded_postgres.ts";
import { StartupError } from "./errors/startup_error.ts";
import { answerClientErrors } from "./http/answer_client_errors.ts";
import { createApp } from "./http/create_app.ts";
import { DrainableServer } from "./http/drain_server.ts";
import { createRateLimiter } from "./limits/create_rate_limiter.ts";
import { createUrlSigner } from "./storage/create_url_signer.ts";
import { SignedAnswers } from "./tasks/signed_answers.ts";
import { TaskCache } from "./tasks/task_cache.ts";
import type { UrlSigner } from "./storage/url_signer.ts";

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
  /** Whether every replica's task changes reach this one's cache now (`TASK_CACHE_LISTEN`). */
  taskCacheListening(): boolean;
  /**
   * Shuts down gracefully: `/readyz` turns 503, new connections are refused,
   * requests in flight finish (up to `SHUTDOWN_TIMEOUT_MS`), then the pool
   * and the embedded database close.
   */
  close(): Promise<void>;
}

/** Options of {@linkcode startServer}. */
export interface StartServerOptions {
  /** Where logs go. */
  logger: Logger;
}

const POOL_CLOSE_TIMEOUT_MS = 5000;

const STARTING_BODY = JSON.stringify({ code: 503, message: "Service unavailable: starting", data: null });

/**
 * Starts the whole service from its configuration: the database (the one in
 * `DATABASE_URL`, or an embedded PostgreSQL in `DATA_DIR/pg`), migrations,
 * the storage adapter, the demo task when `SEED_DEMO` is on, and the HTTP
 * server. Until everything is ready, requests get a 503 envelope.
 *
 * @param config The validated configuration.
 * @param options The logger.
 * @returns The running service.
 *
 * @example
 * ```ts
 * const running = await startServer(loadConfig(process.env), { logger });
 * console.log(running.url);
 * await running.close();
 * ```
 */
export async function startServer(config: Config, options: StartServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error) => logger.warn({ err: error }, "cleanup failed"));
    cleanups.length = 0;
  };
  try {
    let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
      res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" }).end(STARTING_BODY);
    };
    const server = createServer((req, res) => handler(req, res));
    answerClientErrors(server);
    const drainable = new DrainableServer(server);
    server.keepAliveTimeout = 65_000;
    // Listening comes first, so a port that is taken stops start-up at once; until the rest is ready, requests get a 503.
    await listen(server, config.port, config.host);
    let drainRegistered = false;
    cleanups.push(async () => {
      if (!drainRegistered) await drainable.close(0); // start-up failed before the service was whole
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://${hostForUrl(config.host)}:${port}`;
    const publicBaseUrl = config.publicBaseUrl ?? url;

    let databaseUrl = config.databaseUrl;
    let embeddedDatabase: string | undefined;
    if (databaseUrl === undefined) {
      const password = persistedSecret(config.dataDir, "EMBEDDED_POSTGRES_PASSWORD").value;
      const cluster = embeddedClusterFolder(config.dataDir);
      if (cluster.relocated) {
        logger.info(
          { dir: cluster.dir, dataDir: config.dataDir },
          "the postgres user cannot enter DATA_DIR: the embedded PostgreSQL keeps its cluster in dir " +
            "(named by DATA_DIR/pg-cluster-id; see the README to remove or reset it)",
        );
      }
      for (const dir of cluster.leftOver) {
        logger.info({ dir }, "an embedded PostgreSQL cluster of a data folder that is gone takes space: rm -rf dir");
      }
      logger.info({ dir: cluster.dir }, "starting the embedded PostgreSQL (DATABASE_URL is not set)");
      const embedded = await startEmbeddedPostgres(cluster.dir, {
        password,
        onLog: (line) => logger.debug({ postgres: line }, "postgres"),
      });
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
      embeddedDatabase = cluster.dir;
      logger.info({ port: embedded.port, dir: cluster.dir }, "embedded PostgreSQL ready");
    }
    const orm = await initOrm(databaseUrl, {
      poolMax: config.databasePoolMax,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      migrate: false,
    });
    // pg's pool.end() waits for every checked-out connection; one lost in a fault must not hold shutdown forever.
    cleanups.push(() =>
      withDeadline(orm.close(true), POOL_CLOSE_TIMEOUT_MS, () =>
        logger.warn({ timeoutMs: POOL_CLOSE_TIMEOUT_MS }, "the database pool did not close in time; going on"),
      ),
    );
    // Made before the drain is registered, so that it closes after the requests in flight have finished.
    const rateLimiter = createRateLimiter(config.rateLimit, logger);
    if (rateLimiter !== undefined) cleanups.push(() => rateLimiter.close());
    drainRegistered = true;
    cleanups.push(async () => {
      const { inFlight } = drainable;
      if (inFlight > 0)
        logger.info({ inFlight, timeoutMs: config.shutdownTimeoutMs }, "waiting for requests in flight");
      await drainable.close(config.shutdownTimeoutMs);
    });

    const signer = await createUrlSigner(config.storage, { publicBaseUrl });
    const readiness = new DatabaseReadiness(orm, {
      logger,
      onReady: async () => {
        if (!config.seedDemo) return;
        const demo = await seedDemo(orm, signer);
        if (demo === undefined) {
          logger.info({ storage: signer.driver }, "demo task not recorded: demo files live in local storage only");
        } else logger.info({ taskId: demo.taskId, owner: demo.ownerId }, "demo task recorded");
      },
    });
    cleanups.push(async () => readiness.stop());
    await readiness.start();
    const taskCache =
      config.taskCache.capacity === 0 || config.taskCache.ttlMs === 0 ? undefined : new TaskCache(config.taskCache);
    const listener =
      taskCache === undefined || !config.taskCache.listen
        ? undefined
        : new TaskChangeListener(databaseUrl, {
            onChange: (taskId) => taskCache.invalidate(taskId),
            onListening: (listening) => taskCache.setNoticed(listening),
            logger,
            connectTimeoutMs: config.databaseConnectTimeoutMs,
          });
    if (listener !== undefined) {
      listener.start();
      cleanups.push(() => listener.close());
    }
    const status = {
      get databaseReady() {
        return readiness.ready;
      },
      get stopping() {
        return drainable.draining;
      },
    };
    const app = createApp(
      {
        orm,
        signer,
        ttl: { defaultTtl: config.downloadUrlTtl, maxTtl: config.downloadUrlMaxTtl },
        rateLimiter,
        status,
        taskCache,
        answers: taskCache === undefined ? undefined : new SignedAnswers({ capacity: config.taskCache.capacity }),
      },
      { jwt: config.jwt, logger, corsOrigins: config.corsOrigins },
    );
    handler = app.callback();
    logger.info({ url, publicBaseUrl, storage: signer.driver }, "listening");
    return {
      server,
      url,
      publicBaseUrl,
      orm,
      signer,
      embeddedDatabase,
      taskCacheListening: () => listener?.listening ?? false,
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

// A port that is taken, or an address that is not this machine's, is the operator's to fix: say which and how.
async function listen(server: Server, port: number, host: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${hostForUrl(host)}:${port}`;
    if (code === "EADDRINUSE") {
      throw new StartupError(
        `Cannot listen on ${where}: another program already uses port ${port}. ` +
          `Stop it, or set PORT to a free port (PORT=${port === 65535 ? 3001 : port + 1} npm start; PORT=0 picks one)`,
        { cause: error },
      );
    }
    if (code === "EACCES") {
      throw new StartupError(
        `Cannot listen on ${where}: this user may not open port ${port}. Set PORT to a port above 1023`,
        { cause: error },
      );
    }
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
      throw new StartupError(
        `Cannot listen on ${where}: ${host} is not an address of this machine. ` +
          "Set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for every interface)",
        { cause: error },
      );
    }
    throw error;
  }
}

function hostForUrl(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

function withDeadline(promise: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
