import type { MikroORM } from "@mikro-orm/postgresql";
import { ItemLinks } from "./tasks/item_links.ts";
import { createUrlSigner, type UrlSigner } from "@taskdl/storage";
import type { Logger } from "pino";
import type { Config } from "./config/load_config.ts";
import { persistedSecret } from "./config/persisted_secret.ts";
import { DatabaseReadiness } from "./db/database_readiness.ts";
import { initOrm } from "./db/init_orm.ts";
import { PgTaskRepository } from "./db/pg_task_repository.ts";
import { TASK_CHANGES_CHANNEL, TaskChangeListener } from "./db/task_change_listener.ts";
import { TaskWaiters } from "./tasks/task_waiters.ts";
import { seedDemo } from "./dev/seed_demo.ts";
import { embeddedClusterFolder } from "./embedded_postgres/embedded_cluster_folder.ts";
import { startEmbeddedPostgres } from "./embedded_postgres/start_embedded_postgres.ts";
import { SignedAnswers } from "./hot/signed_answers.ts";
import { createRateLimiter } from "./limits/create_rate_limiter.ts";
import type { RateLimiter } from "./limits/rate_limiter.ts";
import { countedRateLimiter } from "./metrics/counted_rate_limiter.ts";
import { countedSigner } from "./metrics/counted_signer.ts";
import type { ServiceMetrics } from "./metrics/service_metrics.ts";
import { CachedTaskRepository } from "./tasks/cached_task_repository.ts";
import { TaskCache } from "./tasks/task_cache.ts";
import type { TaskRepository } from "./tasks/task_record.ts";
import { HashSlots } from "./tasks/hash_slots.ts";

/** Everything the service runs on, built from its configuration. */
export interface Services {
  /** The PostgreSQL URL in use (the embedded one's holds its password: never log it). */
  databaseUrl: string;
  /** The embedded PostgreSQL's cluster folder; unset when the database is `DATABASE_URL`'s. */
  embeddedDatabase: string | undefined;
  /** The connected ORM (its pool). */
  orm: MikroORM;
  /** Whether the database is usable: migrations have run. */
  readiness: DatabaseReadiness;
  /** Where tasks are kept: PostgreSQL, with the finished-task cache in front when it is on. */
  tasks: TaskRepository;
  /** The finished-task cache, when it is on (`TASK_CACHE_CAPACITY`, `TASK_CACHE_TTL_MS`). */
  taskCache: TaskCache | undefined;
  /** Signed answers of hot tasks, kept for their second (with the cache). */
  answers: SignedAnswers | undefined;
  /** The requests waiting for their task (`wait`), woken by the change notices. */
  waiters: TaskWaiters;
  /** The change listener, when notices are on (`TASK_CACHE_LISTEN`). */
  listener: TaskChangeListener | undefined;
  /** The storage adapter. */
  signer: UrlSigner;
  /** The signer of STAC Items' tokenless links (the service's link keys, on every driver). */
  itemLinks: ItemLinks;
  /** The per-user rate limiter; none when limiting is off. */
  rateLimiter: RateLimiter | undefined;
  /** How many objects ingest hashes at once on this replica, all requests together. */
  hashSlots: HashSlots;
  /** Tears everything down, in the reverse order it was built. */
  close(): Promise<void>;
}

/** Options of {@linkcode createServices}. */
export interface CreateServicesOptions {
  /** Where logs go. */
  logger: Logger;
  /** The origin the service's own links start with. */
  publicBaseUrl: string;
  /** The Prometheus metrics, when they are on (`METRICS_PORT`): their hooks are installed only then. */
  metrics?: ServiceMetrics | undefined;
}

const POOL_CLOSE_TIMEOUT_MS = 5000;
// Hashing is CPU and store bandwidth: a few objects at once per replica, whatever the number of PUTs.
const INGEST_HASH_SLOTS = 4;

/**
 * The composition root: builds every service from the configuration — the
 * database (the one in `DATABASE_URL`, or an embedded PostgreSQL), the ORM,
 * the rate limiter, the storage adapter, the task store with its cache and
 * change listener, the readiness check that migrates (and seeds the demo
 * task once the database is there) — and returns them with one `close()`
 * that tears them down in reverse order. The one place where the service's
 * parts meet; it listens on nothing (`start_server.ts` does).
 *
 * @param config The validated configuration.
 * @param options The logger, and the service's public origin.
 * @returns The services.
 * @throws {StartupError} When the embedded PostgreSQL cannot be set up; what was built is closed again.
 *
 * @example
 * ```ts
 * const services = await createServices(config, { logger, publicBaseUrl: "http://127.0.0.1:3000" });
 * await services.close();
 * ```
 */
export async function createServices(config: Config, options: CreateServicesOptions): Promise<Services> {
  const { logger, publicBaseUrl, metrics } = options;
  const built: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of built.reverse()) await step().catch((error) => logger.warn({ err: error }, "cleanup failed"));
    built.length = 0;
  };
  try {
    let databaseUrl = config.databaseUrl;
    let embeddedDatabase: string | undefined;
    if (databaseUrl === undefined) {
      const embedded = await startEmbedded(config, logger);
      built.push(embedded.stop);
      databaseUrl = embedded.url;
      embeddedDatabase = embedded.dir;
    }
    const orm = await initOrm(databaseUrl, {
      poolMax: config.databasePoolMax,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      migrate: false,
    });
    // pg's pool.end() waits for every checked-out connection; one lost in a fault must not hold shutdown forever.
    built.push(() =>
      withDeadline(orm.close(true), POOL_CLOSE_TIMEOUT_MS, () =>
        logger.warn({ timeoutMs: POOL_CLOSE_TIMEOUT_MS }, "the database pool did not close in time; going on"),
      ),
    );
    const limiter = await createRateLimiter(config.rateLimit, logger);
    if (limiter !== undefined) built.push(() => limiter.close());
    const rateLimiter =
      limiter === undefined || metrics === undefined
        ? limiter
        : countedRateLimiter(limiter, () => metrics.rateLimited());
    const storage = await createUrlSigner(config.storage, { publicBaseUrl, linkKeys: config.linkKeys });
    const counted = metrics === undefined ? storage : countedSigner(storage, (driver) => metrics.storageError(driver));
    // The tracing wrapper (and the OpenTelemetry API) loads only when traces are on.
    const signer = config.tracing ? (await import("./tracing/traced_signer.ts")).tracedSigner(counted) : counted;

    const { capacity, ttlMs, listen } = config.taskCache;
    const taskCache = capacity === 0 || ttlMs === 0 ? undefined : new TaskCache(config.taskCache);
    const database = new PgTaskRepository(orm, { statementTimeoutMs: config.databaseStatementTimeoutMs });
    const onLookup =
      metrics === undefined ? undefined : (hit: boolean) => (hit ? metrics.cacheHit() : metrics.cacheMiss());
    const tasks = taskCache === undefined ? database : new CachedTaskRepository(database, taskCache, { onLookup });

    const readiness = new DatabaseReadiness(orm, {
      logger,
      onReady: async () => {
        if (!config.seedDemo) return;
        const demo = await seedDemo(tasks, signer);
        logger.info({ taskId: demo.taskId, owner: demo.ownerId, storage: signer.driver }, "demo task recorded");
      },
    });
    built.push(() => Promise.resolve(readiness.stop()));
    await readiness.start();

    // Waiting requests (`wait`) are woken by the change notices: the listener runs whether or not the cache does.
    const waiters = new TaskWaiters(config.waits);
    const listener = !listen
      ? undefined
      : new TaskChangeListener(config.databaseListenUrl ?? databaseUrl, {
          onChange: (taskId) => {
            metrics?.changeNotice();
            taskCache?.invalidate(taskId);
            waiters.notify(taskId);
          },
          onListening: (listening) => {
            taskCache?.setNoticed(listening);
            waiters.setNoticed(listening);
          },
          // Probes go the way the replicas' own notices go: through the pool, DATABASE_URL.
          notify: (payload) =>
            orm.em
              .getConnection()
              .execute("select pg_notify(?, ?)", [TASK_CHANGES_CHANNEL, payload], "run")
              .then(() => undefined),
          logger,
          connectTimeoutMs: config.databaseConnectTimeoutMs,
        });
    if (listener !== undefined) {
      listener.start();
      built.push(() => listener.close());
    }
    metrics?.setSources({
      cacheEntries: taskCache === undefined ? undefined : () => taskCache.weight,
      pool: () => poolConnections(orm),
      listenerUp: listener === undefined ? undefined : () => listener.listening,
    });
    return {
      databaseUrl,
      embeddedDatabase,
      orm,
      readiness,
      tasks,
      taskCache,
      answers: taskCache === undefined ? undefined : new SignedAnswers({ capacity }),
      waiters,
      listener,
      signer,
      itemLinks: new ItemLinks(publicBaseUrl, config.linkKeys),
      rateLimiter,
      hashSlots: new HashSlots(INGEST_HASH_SLOTS),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

// The embedded PostgreSQL of the data folder, wherever its user can reach its cluster.
async function startEmbedded(
  config: Config,
  logger: Logger,
): Promise<{ url: string; dir: string; stop: () => Promise<void> }> {
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
  logger.info({ port: embedded.port, dir: cluster.dir }, "embedded PostgreSQL ready");
  return { url: embedded.url, dir: cluster.dir, stop: () => embedded.stop() };
}

// pg's Pool behind the ORM, read when Prometheus scrapes; nothing while the ORM is not connected (asking then
// would connect it again, after a shutdown say).
async function poolConnections(orm: MikroORM): Promise<{ idle: number; used: number; waiting: number } | undefined> {
  const connection = orm.em.getDriver().getConnection() as unknown as {
    connected?: boolean;
    getNativeClient(): Promise<{ totalCount: number; idleCount: number; waitingCount: number }>;
  };
  if (connection.connected !== true) return undefined;
  const pool = await connection.getNativeClient();
  return { idle: pool.idleCount, used: pool.totalCount - pool.idleCount, waiting: pool.waitingCount };
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
