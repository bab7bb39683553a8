import { LRUCache } from "lru-cache";
import { share } from "../hot/hot_answers.ts";
import type { TaskRecord } from "./task_record.ts";

/** Options of {@linkcode TaskCache}. */
export interface TaskCacheOptions {
  /** How many outputs (plus one per task) the cache holds at most; the least recently used go first. */
  capacity: number;
  /**
   * How long an entry is served before it is read again, in ms, while change
   * notices are not arriving: the bound on staleness across replicas then.
   */
  ttlMs: number;
  /**
   * The same while change notices arrive (each replica's writes drop the entry
   * everywhere at once); bounds only changes made outside the ingest path. Five minutes by default.
   */
  noticedTtlMs?: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

interface Entry {
  record: TaskRecord;
  expiresAt: number;
}

/**
 * Finished tasks, in memory: the outputs of a `SUCCEEDED` task do not change
 * in practice, so most answers need no query at all. Only `SUCCEEDED` tasks
 * are kept (ownership and status are still checked on every request, from
 * the cached record). Bounded by weight (one per task plus one per output)
 * and by age. The replica that takes a write drops the entry at once, and a
 * read that raced with any write on this replica is not cached, so it is
 * never stale here. Other replicas drop it when the write's change notice
 * arrives (`db/task_change_listener.ts`, milliseconds; entries then live up
 * to `noticedTtlMs`). While notices do not arrive, an entry is read again
 * after `ttlMs`, which then bounds how long a task replaced through another
 * replica can be served stale; when notices stop, what is kept is trusted
 * for `ttlMs` more at most, so a database outage does not empty the cache.
 *
 * Least recently used entries go first (lru-cache, bounded by weight); a
 * kept record is shared by requests, so it is frozen (`hot/hot_answers.ts`).
 * {@linkcode CachedTaskRepository} puts it in front of the database.
 *
 * @example
 * ```ts
 * const cache = new TaskCache({ capacity: 100_000, ttlMs: 10_000 });
 * const epoch = cache.epoch;
 * const record = cache.get("12345") ?? (await load("12345"));
 * cache.set(record, epoch);
 * ```
 */
export class TaskCache {
  #entries: LRUCache<string, Entry>;
  // Ids known not to exist, with when that stops being trusted; kept only while notices arrive.
  #missing: LRUCache<string, number>;
  #epoch = 0;
  #noticed = false;
  #options: TaskCacheOptions;
  #now: () => number;

  /**
   * @param options Capacity, age bound, clock.
   */
  constructor(options: TaskCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#entries = new LRUCache({
      maxSize: Math.max(1, options.capacity),
      sizeCalculation: (entry) => 1 + entry.record.outputs.length,
    });
    this.#missing = new LRUCache({ max: Math.max(1, Math.floor(options.capacity / 10)) });
  }

  /** Changes with every write on this replica; take it before a read, hand it to `set`. */
  get epoch(): number {
    return this.#epoch;
  }

  /** How much the cache holds now (tasks plus outputs). */
  get weight(): number {
    return this.#entries.calculatedSize;
  }

  /**
   * A cached finished task, if fresh.
   *
   * @param id The task id.
   * @returns The record (shared and frozen: never change it), `null` for a task known not to exist, or
   *   `undefined` when the database must be asked.
   */
  get(id: string): TaskRecord | null | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return this.#getMissing(id);
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.record;
  }

  /**
   * Keeps a task read from the database, if it is finished, fits, and no write
   * happened on this replica since `epoch` was taken.
   *
   * @param record The task as read.
   * @param epoch `epoch` as it was before the read.
   */
  set(record: TaskRecord, epoch: number): void {
    if (record.status !== "SUCCEEDED" || epoch !== this.#epoch) return;
    if (1 + record.outputs.length > this.#options.capacity) return;
    this.#entries.set(record.id, {
      record: share(record),
      expiresAt: this.#now() + (this.#noticed ? this.#noticedTtlMs : this.#options.ttlMs),
    });
  }

  /**
   * Remembers that a task does not exist — only while change notices arrive,
   * since a task's creation on another replica is announced like any change
   * (without notices, a new task would stay unseen here for the age bound).
   * At most a tenth of `capacity` ids are kept, the oldest dropped first, so
   * requests for made-up ids cannot push real tasks out.
   *
   * @param id The task id that was not found.
   * @param epoch `epoch` as it was before the read.
   */
  setMissing(id: string, epoch: number): void {
    if (!this.#noticed || epoch !== this.#epoch) return;
    this.#missing.set(id, this.#now() + this.#noticedTtlMs);
  }

  /**
   * Forgets a task that is being written, and keeps reads that raced with the write out.
   *
   * @param id The task id.
   */
  invalidate(id: string): void {
    this.#epoch++;
    this.#missing.delete(id);
    this.#entries.delete(id);
  }

  /**
   * Says whether change notices arrive. When they stop, every entry is
   * trusted for at most `ttlMs` more (changes may go unannounced from now on,
   * but what was kept is still as fresh as the last notice: during a database
   * outage it keeps answering) and unknown ids are forgotten. On either edge,
   * reads in flight are not kept.
   *
   * @param noticed Whether every replica's writes are being announced to this one.
   */
  setNoticed(noticed: boolean): void {
    if (noticed === this.#noticed) return;
    this.#noticed = noticed;
    this.#epoch++;
    this.#missing.clear();
    if (noticed) return;
    const latest = this.#now() + this.#options.ttlMs;
    for (const entry of this.#entries.values()) entry.expiresAt = Math.min(entry.expiresAt, latest);
  }

  get #noticedTtlMs(): number {
    return this.#options.noticedTtlMs ?? 300_000;
  }

  #getMissing(id: string): null | undefined {
    // Peeked, not got: the oldest go first, however often asked for (made-up ids must not crowd out).
    const until = this.#missing.peek(id);
    if (until === undefined) return undefined;
    if (until > this.#now()) return null;
    this.#missing.delete(id);
    return undefined;
  }
}
