import { LRUCache } from "lru-cache";
import type { RateLimit, RateLimiter, RateVerdict } from "./rate_limiter.ts";
import { type BucketState, takeToken } from "./token_bucket.ts";

/** Options of {@linkcode MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** The most users tracked at once; the least recently seen are forgotten first (a forgotten user starts full). */
  maxUsers?: number;
  /** The clock, in milliseconds (tests move it). */
  now?: () => number;
}

/**
 * Token buckets in this process's memory: the default, right for one
 * replica. Bounded: at most `maxUsers` buckets (100,000 by default, a few MB).
 *
 * @example
 * ```ts
 * const limiter = new MemoryRateLimiter({ rate: 20, burst: 40 });
 * await limiter.take("alice"); // { allowed: true }
 * ```
 */
export class MemoryRateLimiter implements RateLimiter {
  #limit: RateLimit;
  #buckets: LRUCache<string, BucketState>;
  #now: () => number;

  /**
   * @param limit Rate and burst.
   * @param options Size bound and clock.
   */
  constructor(limit: RateLimit, options: MemoryRateLimiterOptions = {}) {
    this.#limit = limit;
    this.#buckets = new LRUCache({ max: options.maxUsers ?? 100_000 });
    this.#now = options.now ?? Date.now;
  }

  /** @inheritdoc */
  take(userId: string): Promise<RateVerdict> {
    const previous = this.#buckets.get(userId);
    const { state, allowed, waitMs } = takeToken(previous, this.#now(), this.#limit);
    this.#buckets.set(userId, state);
    return Promise.resolve(
      allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) },
    );
  }

  /** How many users are tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#buckets.clear();
    return Promise.resolve();
  }
}
