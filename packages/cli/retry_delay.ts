/** The longest wait a `Retry-After` may ask for before the CLI caps it. */
export const MAX_RETRY_WAIT_MS = 30_000;

/**
 * How long to wait before retry number `attempt` (1, 2, …): what the
 * answer's `Retry-After` asks for (seconds or an HTTP date, capped at
 * {@linkcode MAX_RETRY_WAIT_MS}), else an exponential backoff from 200 ms
 * with jitter, so parallel downloads that failed together do not retry in
 * step.
 *
 * @param attempt The retry's number, from 1.
 * @param retryAfter The answer's `Retry-After` header, when it had one.
 * @param now The current time in ms (for tests).
 * @returns Milliseconds to wait.
 *
 * @example
 * ```ts
 * retryDelay(1, "2"); // 2000
 * retryDelay(3, undefined); // between 400 and 800
 * ```
 */
export function retryDelay(attempt: number, retryAfter: string | undefined, now: number = Date.now()): number {
  if (retryAfter !== undefined && retryAfter.trim() !== "") {
    const value = retryAfter.trim();
    if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_WAIT_MS);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.min(Math.max(0, date - now), MAX_RETRY_WAIT_MS);
  }
  const base = Math.min(200 * 2 ** (attempt - 1), 8000);
  return Math.round(base / 2 + (Math.random() * base) / 2);
}
