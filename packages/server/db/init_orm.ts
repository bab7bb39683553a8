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

/**
 * Applies the committed migrations that have not run yet.
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
  await orm.migrator.up();
}
