import { MikroORM } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import { MIGRATIONS } from "./migrations/mod.ts";
import { AnalysisTask } from "./task_entity.ts";
import { TaskOutput } from "./task_output_entity.ts";

/** Options of {@linkcode initOrm}. */
export interface InitOrmOptions {
  /** Largest number of pooled connections. Defaults to 10. */
  poolMax?: number;
  /** How long to wait for a pooled or new connection, in ms: the pool's queue is bounded in time. Defaults to 3000. */
  connectTimeoutMs?: number;
  /**
   * How long a query may take, in ms. Defaults to 5000. Reads are bounded by
   * the client (`pg`'s query timeout, this plus a second); writes also by
   * PostgreSQL itself (`SET LOCAL statement_timeout` in their transaction,
   * `PgTaskRepository`). Never a startup parameter: poolers such as PgBouncer
   * refuse those they do not know.
   */
  statementTimeoutMs?: number;
  /** Whether to apply pending migrations. Defaults to `true`. */
  migrate?: boolean;
  /** Receives the ORM's own log lines (queries are not logged: they can carry ids). */
  onLog?: (line: string) => void;
}

/** The entities of the service, in one list for the ORM and its tools. */
export const ENTITIES = [AnalysisTask, TaskOutput];

/**
 * Connects MikroORM to PostgreSQL and, by default, applies the committed
 * migrations, so the schema is always the code's.
 *
 * @param databaseUrl A `postgres://` URL.
 * @param options Pool size, whether to migrate, log sink.
 * @returns The connected ORM.
 *
 * @example
 * ```ts
 * const orm = await initOrm("postgres://postgres@127.0.0.1:5432/test");
 * const em = orm.em.fork();
 * ```
 */
export async function initOrm(databaseUrl: string, options: InitOrmOptions = {}): Promise<MikroORM> {
  const { poolMax = 10, migrate = true, onLog, connectTimeoutMs = 3000, statementTimeoutMs = 5000 } = options;
  const orm = await MikroORM.init({
    entities: ENTITIES,
    clientUrl: databaseUrl,
    pool: { min: 0, max: poolMax },
    // Passed to pg's Pool: a request waits at most connectTimeoutMs for a connection (then a 503), and for a
    // query's answer at most the statement timeout and a second. Nothing here becomes a startup parameter
    // (pg sends statement_timeout as one, which PgBouncer refuses: "unsupported startup parameter").
    driverOptions: {
      connectionTimeoutMillis: connectTimeoutMs,
      query_timeout: statementTimeoutMs + 1000,
    },
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      snapshot: false,
      snapshotOnMigrate: false,
      silent: true,
    },
    debug: false,
    ...(onLog === undefined ? {} : { logger: onLog }),
    forceUtcTimezone: true,
  });
  if (migrate) {
    try {
      await migrateOrm(orm);
    } catch (error) {
      await orm.close(true);
      throw error;
    }
  }
  return orm;
}

/** The advisory lock replicas take to migrate one at a time (any fixed number; this is "taskdl" in ASCII). */
export const MIGRATION_LOCK = 0x7461736b646c;

/**
 * Applies the committed migrations that have not run yet, one replica at a
 * time: replicas that start together on a new database (a Deployment scaled
 * up) would otherwise create the same tables at once and all but one fail.
 * All pending migrations run in one transaction that first takes
 * `pg_advisory_xact_lock` — held by the transaction, not the session, so it
 * works through a transaction-pooling PgBouncer too; the next replica gets
 * the lock after the commit and finds nothing left to do.
 *
 * @param orm The ORM.
 * @throws When the database cannot be reached or a migration fails.
 *
 * @example
 * ```ts
 * await migrateOrm(orm);
 * ```
 */
export async function migrateOrm(orm: MikroORM): Promise<void> {
  // The migrator's own table is created when it starts, outside any transaction we could give it: two replicas
  // creating it at once collide, and the one that lost finds it there when it tries again.
  // (`getExecuted` starts it, with its table, through the public API.)
  await retryOnce(() => orm.migrator.getExecuted().then(() => undefined), isCreatedMeanwhile);
  const connection = orm.em.getConnection();
  await connection.transactional(async (trx) => {
    await connection.execute("select pg_advisory_xact_lock(?)", [MIGRATION_LOCK], "run", trx);
    await orm.migrator.up({ transaction: trx });
  });
}

async function retryOnce(work: () => Promise<void>, retry: (error: unknown) => boolean): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!retry(error)) throw error;
    await work();
  }
}

// What PostgreSQL answers a `create table` that lost a race, depending on how far the other got: 42P07
// duplicate_table, 42710 duplicate_object (`type "mikro_orm_migrations" already exists`: the table's row type
// was committed first; CI caught it), 23505 on pg_type's unique index.
function isCreatedMeanwhile(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "42P07" || code === "42710" || code === "23505";
}
