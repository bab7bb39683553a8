import type { TaskCache } from "./task_cache.ts";
import type { RecordedHash, TaskRecord, TaskRepository } from "./task_record.ts";

/** Options of {@linkcode CachedTaskRepository}. */
export interface CachedTaskRepositoryOptions {
  /** Told of each look-up whether the cache answered it; unset when nothing counts them. */
  onLookup?: (hit: boolean) => void;
}

/**
 * A task repository with the finished-task cache in front: a cached task
 * (or an id known not to exist) is answered with no query at all; a miss
 * asks the repository behind and keeps what it read, unless a write on this
 * replica raced with the read. Writes go through and drop the task before and
 * after, so this replica is never stale; other replicas learn of it through
 * change notices (see {@linkcode TaskCache}).
 *
 * @example
 * ```ts
 * const tasks = new CachedTaskRepository(new PgTaskRepository(orm), new TaskCache({ capacity: 200_000, ttlMs: 10_000 }));
 * await tasks.findWithOutputs("12345"); // a query
 * await tasks.findWithOutputs("12345"); // none
 * ```
 */
export class CachedTaskRepository implements TaskRepository {
  #inner: TaskRepository;
  #cache: TaskCache;
  #onLookup: ((hit: boolean) => void) | undefined;

  /**
   * @param inner The repository behind the cache.
   * @param cache The cache, shared by requests.
   * @param options `onLookup`, told of each look-up whether the cache answered it (the metrics' hook).
   */
  constructor(inner: TaskRepository, cache: TaskCache, options: CachedTaskRepositoryOptions = {}) {
    this.#inner = inner;
    this.#cache = cache;
    this.#onLookup = options.onLookup;
  }

  /** @inheritdoc */
  async findWithOutputs(id: string): Promise<TaskRecord | null> {
    const cached = this.#cache.get(id);
    this.#onLookup?.(cached !== undefined);
    if (cached !== undefined) return cached;
    const epoch = this.#cache.epoch;
    const record = await this.#inner.findWithOutputs(id);
    if (record === null) this.#cache.setMissing(id, epoch);
    else this.#cache.set(record, epoch);
    return record;
  }

  /** @inheritdoc */
  async replace(task: TaskRecord): Promise<void> {
    // Before and after: reads racing with the write are not kept, and the old record is gone once it commits.
    this.#cache.invalidate(task.id);
    try {
      await this.#inner.replace(task);
    } finally {
      this.#cache.invalidate(task.id);
    }
  }

  /** @inheritdoc */
  findHashes(storageKeys: readonly string[]): Promise<RecordedHash[]> {
    // Ingest only, and it must see every task's hashes: never from the cache.
    return this.#inner.findHashes(storageKeys);
  }
}
