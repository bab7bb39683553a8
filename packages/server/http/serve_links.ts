import { ROUTES, routePath } from "@taskdl/contract";
import type { LinkRefusal, LinkServer, RefusedLink } from "@taskdl/storage";
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
 * 404 when the file is gone. An expired link that names its task (format 2)
 * says where a fresh one comes from: the file's stable path, in the message
 * and in a `Link: <…>; rel="alternate"` header (RFC 8288), so a client can
 * renew it without knowing the API.
 *
 * @param links The adapter's link server.
 * @param options `publicBaseUrl`: the service's public origin (and path prefix), for the `Link` (relative without it).
 * @returns A Koa handler.
 *
 * @example
 * ```ts
 * const { links } = signer;
 * if (links !== undefined) router.all(`${links.prefix}*key`, serveLinks(links));
 * ```
 */
export function serveLinks(
  links: LinkServer,
  options: { publicBaseUrl?: string } = {},
): (ctx: Context) => Promise<void> {
  // Where the API's paths live for clients: the links' own origin and path prefix (PUBLIC_BASE_URL).
  const base = options.publicBaseUrl?.replace(/\/+$/, "") ?? "";
  return async function files(ctx: Context): Promise<void> {
    // The adapter writes the answer itself; Koa keeps out of it unless the link is refused.
    ctx.respond = false;
    let refused: RefusedLink | undefined;
    try {
      refused = await links.serve(ctx.req, ctx.res);
    } catch (error) {
      ctx.respond = true;
      throw error;
    }
    if (refused === undefined) return;
    ctx.respond = true;
    const { renew } = refused;
    if (renew !== undefined) {
      const stablePath = routePath(ROUTES.getFile, renew);
      const href = `${base}${stablePath}`;
      const headers = { Link: `<${href}>; rel="alternate"` };
      sendError(ctx, { code: 410, message: MESSAGES.linkExpiredRenew(stablePath), headers });
      return;
    }
    const { code, message } = REFUSALS[refused.reason];
    sendError(ctx, { code, message, headers: {} });
  };
}
