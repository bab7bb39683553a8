import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** What the service's gauges read when Prometheus scrapes: each is asked only then, never on the request path. */
export interface MetricsSources {
  /** Entries of the finished-task cache (tasks plus outputs); unset when the cache is off. */
  cacheEntries?: () => number;
  /** The database pool's connections by state. */
  pool?: () => Promise<{ idle: number; used: number; waiting: number } | undefined>;
  /** Whether the change listener hears notices now; unset when notices are off. */
  listenerUp?: () => boolean;
}

/** Seconds buckets of `http_request_duration_seconds`: 1 ms to 60 s (a long poll of a later issue lasts up to 60 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The service's Prometheus metrics (prom-client) in a registry of their own.
 * Label values come only from fixed sets — a route pattern, an HTTP method,
 * a status class, a storage driver, a pool state — never from a user id, a
 * task id, a file name, a token or a URL, so no secret reaches a scrape and
 * the number of series stays bounded. It exists only when `METRICS_PORT` is
 * set; with metrics off no hook is installed at all.
 *
 * @example
 * ```ts
 * const metrics = new ServiceMetrics();
 * metrics.observeRequest("/healthz", "GET", 200, 0.002);
 * console.log(await metrics.registry.metrics());
 * ```
 */
export class ServiceMetrics {
  /** The registry `/metrics` serves. */
  readonly registry: Registry = new Registry();
  #sources: MetricsSources = {};
  #duration: Histogram<"route" | "method" | "status_class">;
  #cacheHits: Counter;
  #cacheMisses: Counter;
  #notices: Counter;
  #rateLimited: Counter;
  #storageErrors: Counter<"driver">;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#duration = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from a request's arrival until its answer is done, by route pattern, method and status class",
      labelNames: ["route", "method", "status_class"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#cacheHits = new Counter({
      name: "taskdl_task_cache_hits_total",
      help: "Task look-ups the finished-task cache answered (a known task or a known missing one)",
      registers,
    });
    this.#cacheMisses = new Counter({
      name: "taskdl_task_cache_misses_total",
      help: "Task look-ups that went to the database",
      registers,
    });
    const sources = () => this.#sources;
    new Gauge({
      name: "taskdl_task_cache_entries",
      help: "What the finished-task cache holds, counted as tasks plus outputs",
      registers,
      collect() {
        this.set(sources().cacheEntries?.() ?? 0);
      },
    });
    new Gauge({
      name: "taskdl_db_pool_connections",
      help: "The database pool's connections: idle, used (checked out), waiting (requests queued for one)",
      labelNames: ["state"],
      registers,
      async collect() {
        const pool = (await sources()
          .pool?.()
          .catch(() => undefined)) ?? { idle: 0, used: 0, waiting: 0 };
        for (const state of ["idle", "used", "waiting"] as const) this.set({ state }, pool[state]);
      },
    });
    new Gauge({
      name: "taskdl_change_listener_up",
      help: "1 while other replicas' task changes reach this replica's cache (LISTEN), else 0",
      registers,
      collect() {
        this.set(sources().listenerUp?.() === true ? 1 : 0);
      },
    });
    this.#notices = new Counter({
      name: "taskdl_change_notices_total",
      help: "Task change notices received from PostgreSQL (the listener's own probes not counted)",
      registers,
    });
    this.#rateLimited = new Counter({
      name: "taskdl_rate_limited_total",
      help: "Requests refused with 429 by the per-user rate limit",
      registers,
    });
    this.#storageErrors = new Counter({
      name: "taskdl_storage_errors_total",
      help: "Storage calls (sign, stat, write) that failed, by driver; a missing object is not counted",
      labelNames: ["driver"],
      registers,
    });
  }

  /**
   * Tells the gauges where to read; called once the services exist.
   *
   * @param sources The readers of the cache, the pool and the listener.
   */
  setSources(sources: MetricsSources): void {
    this.#sources = sources;
  }

  /**
   * Records one answered request.
   *
   * @param route The route pattern (`/analysis/task/get/Download/url`, `/files/*key`), or `unmatched`.
   * @param method The HTTP method.
   * @param status The answer's status code.
   * @param seconds How long it took.
   */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.#duration.observe({ route, method, status_class: `${Math.floor(status / 100)}xx` }, seconds);
  }

  /** Counts a task look-up the cache answered. */
  cacheHit(): void {
    this.#cacheHits.inc();
  }

  /** Counts a task look-up that went to the database. */
  cacheMiss(): void {
    this.#cacheMisses.inc();
  }

  /** Counts a change notice. */
  changeNotice(): void {
    this.#notices.inc();
  }

  /** Counts a request refused by the rate limit. */
  rateLimited(): void {
    this.#rateLimited.inc();
  }

  /**
   * Counts a failed storage call.
   *
   * @param driver The adapter (`local`, `s3`, `azure`).
   */
  storageError(driver: string): void {
    this.#storageErrors.inc({ driver });
  }
}
