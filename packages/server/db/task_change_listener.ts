import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";

/** The PostgreSQL channel a task's id is sent on when the ingest path changes it. */
export const TASK_CHANGES_CHANNEL = "taskdl_task_changed";

/** What a self-check's payload starts with; task ids cannot contain a colon, so it is never a task's. */
export const PROBE_PREFIX = "probe:";

/** A self-check in flight: its payload, when its time to come back runs out (counted once it is sent), whether it came. */
interface Probe {
  payload: string;
  deadline: NodeJS.Timeout | undefined;
  heard: boolean;
}

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
  /**
   * Sends a notice on {@linkcode TASK_CHANGES_CHANNEL} the way the replicas
   * send theirs (through `DATABASE_URL`'s pool): the self-check's probes.
   */
  notify: (payload: string) => Promise<void>;
  /** Where losses and recoveries are reported. */
  logger: Logger;
  /** First wait before reconnecting, in ms; it doubles up to `maxRetryMs`. */
  retryMs?: number;
  /** Longest wait between attempts, in ms. */
  maxRetryMs?: number;
  /** How long connecting may take, in ms. */
  connectTimeoutMs?: number;
  /** How often the self-check sends a probe, in ms. Defaults to 5000. */
  probeIntervalMs?: number;
  /** How long a probe may take to come back before notices count as lost, in ms. Defaults to 2000. */
  probeTimeoutMs?: number;
}

/**
 * Listens on its own PostgreSQL connection (`DATABASE_LISTEN_URL`, by
 * default `DATABASE_URL`) for the task changes every replica announces
 * (`pg_notify` inside the ingest transaction, delivered on commit), so that a
 * cached task is dropped on every replica within milliseconds of its
 * replacement rather than when its entry ages out. The connection is outside
 * the pool and reconnects by itself (1 s doubling to 5 s).
 *
 * It proves that it hears: LISTEN needs a session of its own, and behind a
 * transaction-pooling proxy (PgBouncer in transaction mode) it is accepted
 * and the notices are then silently lost. So it counts as listening only
 * while its self-check's probes — a notice it sends itself, every
 * `probeIntervalMs`, through the pool the replicas write through — come back
 * within `probeTimeoutMs` of being sent (a probe that cannot be sent, while
 * the database is out of reach, decides nothing). When they stop coming back (or the connection
 * drops), `onListening(false)` lets the cache fall back to its short age
 * bound, and the first time, a warning says what to set.
 *
 * @example
 * ```ts
 * const listener = new TaskChangeListener(listenUrl, {
 *   onChange: (id) => cache.invalidate(id),
 *   onListening: (on) => cache.setNoticed(on),
 *   notify: (payload) => orm.em.getConnection().execute("select pg_notify(?, ?)", [TASK_CHANGES_CHANNEL, payload], "run"),
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
  #probeTimer: NodeJS.Timeout | undefined;
  #wait: number;
  #replica = randomBytes(6).toString("hex");
  #probe = 0;
  /** The probe in flight. */
  #pending: Probe | undefined;
  #warnedLost = false;

  /**
   * @param databaseUrl A `postgres://` URL of a session-level connection (PostgreSQL itself, or a session-mode pool).
   * @param options Where changes go, how probes are sent, and timing.
   */
  constructor(databaseUrl: string, options: TaskChangeListenerOptions) {
    this.#url = databaseUrl;
    this.#options = options;
    this.#wait = options.retryMs ?? 1000;
  }

  /** Whether notices are arriving now (the last probe came back in time). */
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
    this.#stopProbing();
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
      if (message.channel !== TASK_CHANGES_CHANNEL || !message.payload) return;
      if (message.payload.startsWith(PROBE_PREFIX)) this.#heard(message.payload);
      else this.#options.onChange(message.payload);
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
    // Listening counts from the first probe that comes back, not from LISTEN being accepted.
    this.#sendProbe();
  }

  #sendProbe(): void {
    if (this.#closed || this.#client === undefined || this.#pending !== undefined) return;
    const payload = `${PROBE_PREFIX}${this.#replica}:${++this.#probe}`;
    const pending: Probe = { payload, deadline: undefined, heard: false };
    this.#pending = pending;
    this.#options.notify(payload).then(
      () => {
        // Sent and committed: from now on it has probeTimeoutMs to come back (it may have already).
        if (this.#pending !== pending || pending.heard) return;
        pending.deadline = setTimeout(() => this.#unheard(pending), this.#options.probeTimeoutMs ?? 2000);
        pending.deadline.unref();
      },
      (error) => {
        // The probe could not be sent (the pool cannot reach the database, say): no verdict on the notices.
        if (this.#pending !== pending) return;
        this.#pending = undefined;
        this.#options.logger.debug({ err: error }, "could not send the change notices' self-check");
        this.#scheduleProbe();
      },
    );
  }

  #heard(payload: string): void {
    const pending = this.#pending;
    if (pending?.payload !== payload) return; // another replica's probe, or one that came too late
    pending.heard = true;
    clearTimeout(pending.deadline);
    this.#pending = undefined;
    if (!this.#listening) {
      this.#options.logger.info(
        this.#warnedLost
          ? "change notices arrive again: cached tasks are dropped on every replica's writes"
          : "listening for task changes: cached tasks are dropped on every replica's writes",
      );
    }
    this.#setListening(true);
    this.#scheduleProbe();
  }

  #unheard(pending: Probe): void {
    if (this.#pending !== pending) return;
    this.#pending = undefined;
    if (!this.#warnedLost) {
      this.#warnedLost = true;
      this.#options.logger.warn(
        { timeoutMs: this.#options.probeTimeoutMs ?? 2000 },
        "change notices do not come back to this replica: LISTEN is accepted but the notices are lost, as behind a " +
          "transaction-pooling proxy (PgBouncer in transaction mode). Point DATABASE_LISTEN_URL at PostgreSQL itself " +
          "or at a session-mode pool. Until then, cached tasks are kept for TASK_CACHE_TTL_MS only",
      );
    }
    this.#setListening(false);
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    clearTimeout(this.#probeTimer);
    if (this.#closed || this.#client === undefined) return;
    this.#probeTimer = setTimeout(() => this.#sendProbe(), this.#options.probeIntervalMs ?? 5000);
    this.#probeTimer.unref();
  }

  #stopProbing(): void {
    clearTimeout(this.#probeTimer);
    clearTimeout(this.#pending?.deadline);
    this.#pending = undefined;
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client) return; // already handled, or closed
    this.#client = undefined;
    this.#stopProbing();
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
