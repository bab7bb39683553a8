import { STAC_ITEM_MEDIA_TYPE, TaskId } from "@taskdl/contract";
import type { LinkRefusal, UrlSigner } from "@taskdl/storage";
import type { Context } from "koa";
import { MESSAGES } from "../envelope/messages.ts";
import { itemOf } from "../tasks/get_stac_item.ts";
import type { ItemLinks } from "../tasks/item_links.ts";
import type { TaskRepository } from "../tasks/task_record.ts";
import { sendError } from "./send_error.ts";

// A refused Item link is answered with the download links' own texts, in the envelope.
const REFUSALS: Record<Exclude<LinkRefusal, "missing">, { code: number; message: string }> = {
  unsigned: { code: 403, message: MESSAGES.linkUnsigned },
  "bad-signature": { code: 403, message: MESSAGES.linkBadSignature },
  expired: { code: 410, message: MESSAGES.linkExpired },
};

/** What {@linkcode serveStacItems} works with. */
export interface ServeStacItemsOptions {
  /** Where tasks are kept. */
  tasks: TaskRepository;
  /** Signs the assets' download URLs. */
  signer: UrlSigner;
  /** Verifies (and signs anew) the Items' links. */
  itemLinks: ItemLinks;
}

/**
 * Serves the tokenless links of STAC Items (`GET`/`HEAD /stac/items/{taskId}?exp&kid&sig`):
 * the link's signature is checked against the task's recorded owner, then
 * its expiry; the Item is the one the authenticated path gives, with the
 * link's expiry. Refusals are the envelope: 403 unsigned or tampered (also
 * for a task that does not exist, so a link tells nothing of other tasks),
 * 410 expired; a task no longer finished is a 400 as on the main path.
 *
 * @param options The stores and signers.
 * @returns A Koa handler.
 *
 * @example
 * ```ts
 * router.get("/stac/items/:taskId", serveStacItems({ tasks, signer, itemLinks }));
 * ```
 */
export function serveStacItems(options: ServeStacItemsOptions): (ctx: Context) => Promise<void> {
  const { tasks, signer, itemLinks } = options;
  return async function stacItem(ctx: Context): Promise<void> {
    const taskId = String(ctx.params.taskId ?? "");
    const params = new URLSearchParams(ctx.querystring);
    const task = TaskId.safeParse(taskId).success ? await tasks.findWithOutputs(taskId) : null;
    const verdict = itemLinks.check(taskId, task?.ownerId, params);
    if (!verdict.ok || task === null) {
      const { code, message } = REFUSALS[verdict.ok ? "bad-signature" : verdict.reason];
      sendError(ctx, { code, message, headers: {} });
      return;
    }
    const item = await itemOf(task, verdict.expiresAt, { signer, itemLinks });
    ctx.status = 200;
    ctx.type = STAC_ITEM_MEDIA_TYPE;
    // The link is a credential until it expires: no shared cache keeps it.
    ctx.set("Cache-Control", "private, no-store");
    ctx.body = JSON.stringify(item);
  };
}
