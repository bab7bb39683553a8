import type { LinkRefusal, LinkServer } from "@taskdl/storage";
import type { Context } from "koa";
import { MESSAGES } from "../envelope/messages.ts";
import { sendError } from "./send_error.ts";

// How the service answers a link it refused: the links' own texts, in the envelope.
const REFUSALS: Record<LinkRefusal, { code: number; message: string }> = {
  unsigned: { code: 403, message: MESSAGES.linkUnsigned },
  "bad-signature": { code: 403, message: MESSAGES.linkBadSignature },
  expired: { code: 410, message: MESSAGES.linkExpired },
  missing: { code: 404, message: MESSAGES.linkMissing },
};

/**
 * Serves the download links that point back at this service (`GET`/`HEAD`
 * under the adapter's `links.prefix`): the adapter verifies the link and
 * sends the object itself, straight to the socket; a link it refuses is
 * answered here with the envelope — 403 unsigned or tampered, 410 expired,
 * 404 when the file is gone.
 *
 * @param links The adapter's link server.
 * @returns A Koa handler.
 *
 * @example
 * ```ts
 * const { links } = signer;
 * if (links !== undefined) router.all(`${links.prefix}*key`, serveLinks(links));
 * ```
 */
export function serveLinks(links: LinkServer): (ctx: Context) => Promise<void> {
  return async function files(ctx: Context): Promise<void> {
    // The adapter writes the answer itself; Koa keeps out of it unless the link is refused.
    ctx.respond = false;
    let refusal: LinkRefusal | undefined;
    try {
      refusal = await links.serve(ctx.req, ctx.res);
    } catch (error) {
      ctx.respond = true;
      throw error;
    }
    if (refusal === undefined) return;
    ctx.respond = true;
    const { code, message } = REFUSALS[refusal];
    sendError(ctx, { code, message, headers: {} });
  };
}
