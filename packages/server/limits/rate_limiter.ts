/** The verdict on one request. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A per-user token bucket: `rate` requests a second on average, up to
 * `burst` at once. One implementation per process (`MemoryRateLimiter`) and
 * one shared by every replica (`RedisRateLimiter`).
 *
 * @example
 * ```ts
 * const verdict = await limiter.take("alice");
 * if (!verdict.allowed) console.log(`retry in ${verdict.retryAfterSeconds} s`);
 * ```
 */
export interface RateLimiter {
  /** Takes one token from the user's bucket. */
  take(userId: string): Promise<RateVerdict>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** A bucket's settings. */
export interface RateLimit {
  /** Tokens added per second. */
  rate: number;
  /** The bucket's size: how many requests may come at once. */
  burst: number;
}
