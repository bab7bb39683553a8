import type { Context as KoaContext } from "koa";

/**
 * A signal that aborts when the client closes the connection before its
 * answer is sent: a request that waits (`wait`, a subscription) ends at once
 * and frees its slot.
 *
 * @param ctx The request.
 * @returns The signal.
 *
 * @example
 * ```ts
 * const signal = clientGone(ctx);
 * signal.addEventListener("abort", () => console.log("client went away"));
 * ```
 */
export function clientGone(ctx: KoaContext): AbortSignal {
  const controller = new AbortController();
  ctx.res.once("close", () => {
    if (!ctx.res.writableFinished) controller.abort();
  });
  return controller.signal;
}
