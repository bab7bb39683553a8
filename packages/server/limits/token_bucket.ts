import type { RateLimit } from "./rate_limiter.ts";

/** A bucket's state: tokens left at a moment (milliseconds). */
export interface BucketState {
  tokens: number;
  at: number;
}

/**
 * One step of the token bucket: refill for the time passed, then take a
 * token if there is one. Pure, so the in-process limiter and the Redis
 * script (`redis_rate_limiter.ts`, the same arithmetic in Lua) can be
 * checked against each other.
 *
 * @param state The bucket before, or `undefined` for a full new one.
 * @param now The current time in milliseconds.
 * @param limit Rate and burst.
 * @returns The bucket after, and how long to wait (0 when allowed).
 *
 * @example
 * ```ts
 * takeToken(undefined, Date.now(), { rate: 10, burst: 20 }); // allowed, 19 tokens left
 * ```
 */
export function takeToken(
  state: BucketState | undefined,
  now: number,
  limit: RateLimit,
): { state: BucketState; allowed: boolean; waitMs: number } {
  const { rate, burst } = limit;
  const refilled =
    state === undefined ? burst : Math.min(burst, state.tokens + (Math.max(0, now - state.at) * rate) / 1000);
  if (refilled >= 1) return { state: { tokens: refilled - 1, at: now }, allowed: true, waitMs: 0 };
  return { state: { tokens: refilled, at: now }, allowed: false, waitMs: Math.ceil(((1 - refilled) * 1000) / rate) };
}
