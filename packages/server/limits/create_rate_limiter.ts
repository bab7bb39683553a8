import type { Logger } from "pino";
import { MemoryRateLimiter } from "./memory_rate_limiter.ts";
import type { RateLimit, RateLimiter } from "./rate_limiter.ts";
import { RedisRateLimiter } from "./redis_rate_limiter.ts";

/** Rate limit settings. */
export interface RateLimitConfig extends RateLimit {
  /** Shared buckets in Redis; unset means in-process. */
  redisUrl: string | undefined;
}

/**
 * The rate limiter the configuration asks for: none when the rate is 0, in
 * process by default, in Redis when `REDIS_URL` is set.
 *
 * @param config Rate, burst, Redis URL.
 * @param logger Where a Redis outage is reported.
 * @returns The limiter, or `undefined` when limiting is off.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ rate: 20, burst: 40, redisUrl: undefined }, logger);
 * ```
 */
export function createRateLimiter(config: RateLimitConfig, logger: Logger): RateLimiter | undefined {
  if (config.rate === 0) return undefined;
  const limit = { rate: config.rate, burst: config.burst };
  return config.redisUrl === undefined
    ? new MemoryRateLimiter(limit)
    : new RedisRateLimiter(config.redisUrl, limit, { logger });
}
