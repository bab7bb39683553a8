import { ApiError } from "../envelope/api_error.ts";

/** Bounds and timing of {@linkcode TaskWaiters}. */
export interface TaskWaitersOptions {
  /** Most requests one user may have waiting at once on this replica (`WAIT_MAX_PER_USER`); beyond → 429. */
  maxPerUser: number;
  /** Most requests waiting at once on this replica (`WAIT_MAX_PER_REPLICA`); beyond → 429. */
  maxPerReplica: number;
  /** How often a waiting request checks its task again while change notices do not arrive, in ms (`WAIT_RECHECK_MS`). */
  recheckMs: number;
}

/** One request that waits for its task. */
export interface WaitRequest {
  /** The user asking (their bound is counted). */
  userId: string;
  /** The task waited for: a change notice with this id wakes the request. */
  taskId: string;
  /** When the wait ends, in epoch ms. */
  deadline: number;
  /** Aborted when the client goes away: the wait ends at once and frees its slot. */
  signal?: AbortSignal | undefined;
}

interface Waiter {
  wake: () => void;
  woken: boolean;
}

const RETRY_AFTER_SECONDS = 1;

const isWoken = (waiter: Waiter): boolean => waiter.woken;

/**
 * The requests that wait for a task to finish (`wait` on the download URL
 * path, and the tRPC subscription). A waiting request holds no database
 * connection and polls nothing while change notices arrive: the notice a
 * replica's ingest sends when it changes a task (`db/task_change_listener.ts`)
 * wakes the requests waiting for that task on every replica, and each checks
 * its task once more. While notices do not arrive (`TASK_CACHE_LISTEN=false`,
 * or the listener has lost them), a waiting request checks again every
 * `recheckMs` instead.
 *
 * Bounded: at most `maxPerUser` waiting requests per user and `maxPerReplica`
 * in all (beyond → 429 with `Retry-After`). {@linkcode TaskWaiters.close}
 * (shutdown) answers every waiting request at once with a 503, so a drain
 * never hangs on them.
 *
 * @example
 * ```ts
 * const waiters = new TaskWaiters({ maxPerUser: 10, maxPerReplica: 1000, recheckMs: 2000 });
 * listener.onChange = (taskId) => waiters.notify(taskId);
 * const finished = await waiters.waitUntil({ userId, taskId, deadline: Date.now() + 30_000 }, async () => isFinished(await tasks.findWithOutputs(taskId)));
 * ```
 */
export class TaskWaiters {
  #options: TaskWaitersOptions;
  #byTask = new Map<string, Set<Waiter>>();
  #perUser = new Map<string, number>();
  #count = 0;
  #noticed = false;
  #closed = false;

  /** @param options The bounds and the re-check interval. */
  constructor(options: TaskWaitersOptions) {
    this.#options = options;
  }

  /** How many requests wait right now. */
  get size(): number {
    return this.#count;
  }

  /**
   * Tells whether change notices arrive. When they stop, every waiting
   * request checks its task at once and then every `recheckMs`.
   *
   * @param noticed Whether notices arrive.
   */
  setNoticed(noticed: boolean): void {
    if (this.#noticed === noticed) return;
    this.#noticed = noticed;
    if (!noticed) this.#wakeAll();
  }

  /**
   * Wakes the requests waiting for a task (a change notice came for it).
   *
   * @param taskId The changed task's id.
   */
  notify(taskId: string): void {
    const waiters = this.#byTask.get(taskId);
    if (waiters === undefined) return;
    for (const waiter of waiters) waiter.wake();
  }

  /**
   * Holds a request until `check` says its task is ready or the deadline
   * passes. `check` runs at once, then after each notice for the task (or
   * each `recheckMs` while notices do not arrive).
   *
   * @param request Who waits for which task, until when.
   * @param check Looks at the task again: `true` ends the wait.
   * @returns `true` when `check` said so, `false` when the deadline passed or the client went away.
   * @throws {ApiError} 429 beyond the bounds; 503 when the service shuts down.
   */
  async waitUntil(request: WaitRequest, check: () => Promise<boolean>): Promise<boolean> {
    const { userId, taskId, deadline, signal } = request;
    if (this.#closed) throw ApiError.shuttingDown();
    const ofUser = this.#perUser.get(userId) ?? 0;
    if (ofUser >= this.#options.maxPerUser || this.#count >= this.#options.maxPerReplica) {
      throw ApiError.tooManyRequests(RETRY_AFTER_SECONDS);
    }
    this.#perUser.set(userId, ofUser + 1);
    this.#count++;
    let waiters = this.#byTask.get(taskId);
    if (waiters === undefined) this.#byTask.set(taskId, (waiters = new Set()));
    let wake = () => {};
    // Registered before the first check: a notice that comes while a check runs is not lost.
    const waiter: Waiter = {
      woken: false,
      wake: () => {
        waiter.woken = true;
        wake();
      },
    };
    waiters.add(waiter);
    const onAbort = () => waiter.wake();
    // Functions, not fields: both change while a check or a sleep is awaited.
    const aborted = () => signal?.aborted === true;
    const closed = () => this.#closed;
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        if (closed()) throw ApiError.shuttingDown();
        if (aborted()) return false;
        waiter.woken = false;
        if (await check()) return true;
        const left = deadline - Date.now();
        if (left <= 0 || aborted()) return false;
        if (closed()) throw ApiError.shuttingDown();
        if (isWoken(waiter)) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#noticed ? left : Math.min(left, this.#options.recheckMs));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = () => {};
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      waiters.delete(waiter);
      if (waiters.size === 0 && this.#byTask.get(taskId) === waiters) this.#byTask.delete(taskId);
      const left = (this.#perUser.get(userId) ?? 1) - 1;
      if (left === 0) this.#perUser.delete(userId);
      else this.#perUser.set(userId, left);
      this.#count--;
    }
  }

  /** Answers every waiting request with a 503 now, and every later one too (shutdown). */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const waiters of this.#byTask.values()) for (const waiter of waiters) waiter.wake();
  }
}
