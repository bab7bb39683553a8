import type { RateLimiter, RateVerdict } from "../limits/rate_limiter.ts";

/**
 * The rate limiter with its refusals counted (`taskdl_rate_limited_total`).
 * Only installed when metrics are on.
 *
 * @param limiter The rate limiter.
 * @param onRefused Called once per refused request.
 * @returns The same limiter, counted.
 *
 * @example
 * ```ts
 * const limiter = countedRateLimiter(createRateLimiter(config.rateLimit, logger), () => metrics.rateLimited());
 * ```
 */
export function countedRateLimiter(limiter: RateLimiter, onRefused: () => void): RateLimiter {
  return {
    take: async (userId: string): Promise<RateVerdict> => {
      const verdict = await limiter.take(userId);
      if (!verdict.allowed) onRefused();
      return verdict;
    },
    close: () => limiter.close(),
  };
}
