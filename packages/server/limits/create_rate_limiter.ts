import type { Logger } from "pino";
import { MemoryRateLimiter } from "./memory_rate_limiter.ts";
import type { RateLimit, RateLimiter } from "./rate_limiter.ts";

/** Rate limit settings. */
export interface RateLimitConfig extends RateLimit {
  /** Shared buckets in Redis; unset means in-process. */
  redisUrl: string | undefined;
}

/**
 * The rate limiter the configuration asks for: none when the rate is 0, in
 * process by default, in Redis when `REDIS_URL` is set (ioredis is loaded
 * only then: a few MB of resident memory that a service without Redis does
 * not carry).
 *
 * @param config Rate, burst, Redis URL.
 * @param logger Where a Redis outage is reported.
 * @returns The limiter, or `undefined` when limiting is off.
 *
 * @example
 * ```ts
 * const limiter = await createRateLimiter({ rate: 20, burst: 40, redisUrl: undefined }, logger);
 * ```
 */
export async function createRateLimiter(config: RateLimitConfig, logger: Logger): Promise<RateLimiter | undefined> {
  if (config.rate === 0) return undefined;
  const limit = { rate: config.rate, burst: config.burst };
  if (config.redisUrl === undefined) return new MemoryRateLimiter(limit);
  const { RedisRateLimiter } = await import("./redis_rate_limiter.ts");
  return new RedisRateLimiter(config.redisUrl, limit, { logger });
}
