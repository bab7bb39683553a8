import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RateLimit, RateLimiter, RateVerdict } from "./rate_limiter.ts";

// token_bucket.ts in Lua, run atomically by Redis on its own clock, so every
// replica shares one bucket per user whatever its own clock says.
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
`;

/** Options of {@linkcode RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** Where a Redis outage is reported (at most once every 10 s). */
  logger: Logger;
  /** Prefix of the bucket keys. */
  keyPrefix?: string;
}

/**
 * Token buckets in Redis, shared by every replica (`REDIS_URL`): one Lua
 * script per request, atomic, on Redis's clock. When Redis cannot be
 * reached the limiter lets requests through (fails open) and logs it: a rate
 * limit must not turn a cache outage into a service outage. It reconnects
 * by itself.
 *
 * @example
 * ```ts
 * const limiter = new RedisRateLimiter("redis://127.0.0.1:6379", { rate: 20, burst: 40 }, { logger });
 * ```
 */
export class RedisRateLimiter implements RateLimiter {
  readonly redis: Redis;
  #limit: RateLimit;
  #prefix: string;
  #logger: Logger;
  #lastWarning = 0;

  /**
   * @param url The Redis URL (`redis://…`, `rediss://…`).
   * @param limit Rate and burst.
   * @param options Logger and key prefix.
   */
  constructor(url: string, limit: RateLimit, options: RedisRateLimiterOptions) {
    this.#limit = limit;
    this.#prefix = options.keyPrefix ?? "taskdl:rate:";
    this.#logger = options.logger;
    this.redis = new Redis(url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      commandTimeout: 500,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.redis.on("error", (error) => this.#warn(error));
    this.redis.defineCommand("taskdlTakeToken", { numberOfKeys: 1, lua: TAKE_TOKEN });
  }

  /** @inheritdoc */
  async take(userId: string): Promise<RateVerdict> {
    // Hashed: user ids are the token's sub, any length, any characters.
    const key = `${this.#prefix}${createHash("sha256").update(userId).digest("base64url")}`;
    try {
      const run = (this.redis as unknown as Record<string, (...args: (string | number)[]) => Promise<number>>)
        .taskdlTakeToken;
      const waitMs = Number(await run?.call(this.redis, key, this.#limit.rate, this.#limit.burst));
      return waitMs <= 0
        ? { allowed: true }
        : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } catch (error) {
      this.#warn(error);
      return { allowed: true };
    }
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }

  #warn(error: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarning < 10_000) return;
    this.#lastWarning = now;
    this.#logger.warn({ err: error }, "rate limiter cannot reach Redis: requests are let through until it is back");
  }
}
