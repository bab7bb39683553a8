import pg from "pg";
import type { Logger } from "pino";

/** The PostgreSQL channel a task's id is sent on when the ingest path changes it. */
export const TASK_CHANGES_CHANNEL = "taskdl_task_changed";

/** Options of {@linkcode TaskChangeListener}. */
export interface TaskChangeListenerOptions {
  /** Told the id of every task changed through any replica's ingest path. */
  onChange: (taskId: string) => void;
  /**
   * Told when notices start or stop arriving. Changes made while they do not
   * arrive are missed, so a cache must then trust what it keeps for its short
   * age bound only.
   */
  onListening: (listening: boolean) => void;
  /** Where losses and recoveries are reported. */
  logger: Logger;
  /** First wait before reconnecting, in ms; it doubles up to `maxRetryMs`. */
  retryMs?: number;
  /** Longest wait between attempts, in ms. */
  maxRetryMs?: number;
  /** How long connecting may take, in ms. */
  connectTimeoutMs?: number;
}

/**
 * Listens on its own PostgreSQL connection for the task changes every
 * replica announces (`pg_notify` inside the ingest transaction, delivered on
 * commit), so that a cached task is dropped on every replica within
 * milliseconds of its replacement rather than when its entry ages out. The
 * connection is outside the pool and reconnects by itself (1 s doubling to
 * 5 s); while it is down, `onListening(false)` lets the cache fall back to
 * its short age bound.
 *
 * Needs a session-level connection: behind a transaction-pooling proxy
 * (PgBouncer in transaction mode), LISTEN does not work — turn notices off
 * with `TASK_CACHE_LISTEN=false` there.
 *
 * @example
 * ```ts
 * const listener = new TaskChangeListener(databaseUrl, {
 *   onChange: (id) => cache.invalidate(id),
 *   onListening: (on) => cache.setNoticed(on),
 *   logger,
 * });
 * listener.start();
 * // …
 * await listener.close();
 * ```
 */
export class TaskChangeListener {
  #url: string;
  #options: TaskChangeListenerOptions;
  #client: pg.Client | undefined;
  #listening = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #wait: number;

  /**
   * @param databaseUrl A `postgres://` URL.
   * @param options Where changes go, and reconnection timing.
   */
  constructor(databaseUrl: string, options: TaskChangeListenerOptions) {
    this.#url = databaseUrl;
    this.#options = options;
    this.#wait = options.retryMs ?? 1000;
  }

  /** Whether notices are arriving now. */
  get listening(): boolean {
    return this.#listening;
  }

  /** Connects in the background; failures are retried, never thrown. */
  start(): void {
    void this.#connect();
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    this.#setListening(false);
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 3000,
      keepAlive: true,
      application_name: "taskdl-task-changes",
    });
    this.#client = client;
    // Set before connecting: a failure at any point after this ends in one retry.
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("connection ended")));
    client.on("notification", (message) => {
      if (message.channel === TASK_CHANGES_CHANNEL && message.payload) this.#options.onChange(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${TASK_CHANGES_CHANNEL}`);
    } catch (error) {
      this.#lost(client, error);
      return;
    }
    if (this.#client !== client) return;
    this.#wait = this.#options.retryMs ?? 1000;
    this.#setListening(true);
    this.#options.logger.info("listening for task changes: cached tasks are dropped on every replica's writes");
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client) return; // already handled, or closed
    this.#client = undefined;
    client.removeAllListeners("notification");
    client.end().catch(() => {});
    this.#setListening(false);
    if (this.#closed) return;
    this.#options.logger.warn(
      { err: error, retryInMs: this.#wait },
      "not listening for task changes: cached tasks are kept for TASK_CACHE_TTL_MS only; reconnecting",
    );
    this.#timer = setTimeout(() => void this.#connect(), this.#wait);
    this.#timer.unref();
    this.#wait = Math.min(this.#wait * 2, this.#options.maxRetryMs ?? 5000);
  }

  #setListening(listening: boolean): void {
    if (this.#listening === listening) return;
    this.#listening = listening;
    this.#options.onListening(listening);
  }
}
