import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { isUnavailable } from "../envelope/is_unavailable.ts";
import { migrateOrm } from "./init_orm.ts";

/** Options of {@linkcode DatabaseReadiness}. */
export interface DatabaseReadinessOptions {
  /** Where waiting and recovery are reported. */
  logger: Logger;
  /** Runs once, when the database first becomes usable (the demo seed). */
  onReady?: () => Promise<void>;
  /** First wait between attempts, in ms; it doubles up to `maxRetryMs`. */
  retryMs?: number;
  /** Longest wait between attempts, in ms. */
  maxRetryMs?: number;
}

/**
 * Whether the database is usable: reachable and migrated. The service
 * starts even when PostgreSQL is down: it answers `/healthz`, reports 503 on
 * `/readyz` and on every API request, and keeps trying in the background
 * (1 s, doubling to 5 s) until the migrations have run — then it is ready,
 * without a restart. A migration that fails for any other reason than an
 * outage stops start-up: that is a bug, not a blip.
 *
 * @example
 * ```ts
 * const readiness = new DatabaseReadiness(orm, { logger });
 * await readiness.start();
 * readiness.ready; // false while PostgreSQL is down
 * ```
 */
export class DatabaseReadiness {
  #orm: MikroORM;
  #options: DatabaseReadinessOptions;
  #ready = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param orm The ORM (connected lazily).
   * @param options Logger, the first-ready callback, retry timing.
   */
  constructor(orm: MikroORM, options: DatabaseReadinessOptions) {
    this.#orm = orm;
    this.#options = options;
  }

  /** Whether migrations have run (the database may still drop later; queries then answer 503). */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Makes the first attempt; on an outage, schedules the next ones and returns.
   *
   * @throws When a migration fails for another reason than an outage.
   */
  async start(): Promise<void> {
    await this.#attempt(this.#options.retryMs ?? 1000);
  }

  /** Stops retrying. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #attempt(nextWait: number): Promise<void> {
    try {
      await migrateOrm(this.#orm);
      if (!this.#stopped) await this.#options.onReady?.();
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      if (this.#stopped) return;
      this.#options.logger.warn(
        { err: error, retryInMs: nextWait },
        "database unreachable: serving 503 until it is back, retrying",
      );
      const following = Math.min(nextWait * 2, this.#options.maxRetryMs ?? 5000);
      this.#timer = setTimeout(() => {
        this.#attempt(following).catch((fatal) =>
          this.#options.logger.fatal({ err: fatal }, "migrations failed after the database came back"),
        );
      }, nextWait);
      this.#timer.unref();
      return;
    }
    if (this.#stopped) return;
    this.#ready = true;
    this.#options.logger.info("database ready (migrations applied)");
  }
}
