import type { DownloadUrlRequest, StacItem } from "@taskdl/contract";
import type { UrlSigner } from "@taskdl/storage";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS } from "../envelope/messages.ts";
import { buildStacItem } from "./build_stac_item.ts";
import type { ItemLinks } from "./item_links.ts";
import type { TaskRecord, TaskRepository } from "./task_record.ts";

/** What {@linkcode getStacItem} works with. */
export interface GetStacItemContext {
  /** The user asking (a token's `sub`). */
  userId: string;
  /** The request's task store. */
  tasks: TaskRepository;
  /** The configured storage signer. */
  signer: UrlSigner;
  /** The signer of the Item's own tokenless links. */
  itemLinks: ItemLinks;
  /** Link lifetime when the request names none, in seconds. */
  defaultTtl: number;
  /** Longest lifetime a request may ask for, in seconds. */
  maxTtl: number;
  /** The clock, in milliseconds. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * A finished task the user owns, as a STAC 1.1.0 Item: the same rules as
 * the main path (a foreign task is a missing one; an unfinished or failed
 * one a 400), the same signer and expiry for its assets, and `self` /
 * `canonical` links that open the Item without a token until it expires.
 *
 * @param request The task id and optional lifetime.
 * @param context The user, the stores, the lifetime limits.
 * @returns The Item.
 * @throws {ApiError} 400 for a lifetime over the limit or an unfinished or failed task; 404 for a missing or foreign task.
 *
 * @example
 * ```ts
 * const item = await getStacItem({ taskId: "12345" }, { userId: "demo", tasks, signer, itemLinks, defaultTtl: 3600, maxTtl: 604800 });
 * ```
 */
export async function getStacItem(request: DownloadUrlRequest, context: GetStacItemContext): Promise<StacItem> {
  const { userId, tasks, signer, itemLinks, defaultTtl, maxTtl, now = Date.now } = context;
  const { taskId, expiresIn = defaultTtl } = request;
  if (expiresIn > maxTtl) throw ApiError.badRequest(DETAILS.expiresInTooLong(maxTtl));
  const task = await tasks.findWithOutputs(taskId);
  if (task === null || task.ownerId !== userId) throw ApiError.taskNotFound();
  // Rounded up to a whole second, so a link never lives shorter than asked.
  return itemOf(task, new Date((Math.ceil(now() / 1000) + expiresIn) * 1000), { signer, itemLinks });
}

/**
 * The Item of a task whose link was verified, with the link's own expiry:
 * what the tokenless link serves. Same state rules as {@linkcode getStacItem}.
 *
 * @param task The task.
 * @param expiresAt The link's expiry.
 * @param context The signers.
 * @returns The Item.
 * @throws {ApiError} 400 for an unfinished or failed task.
 *
 * @example
 * ```ts
 * const item = await itemOf(task, verdict.expiresAt, { signer, itemLinks });
 * ```
 */
export function itemOf(
  task: TaskRecord,
  expiresAt: Date,
  context: { signer: UrlSigner; itemLinks: ItemLinks },
): Promise<StacItem> {
  if (task.status === "FAILED") throw ApiError.badRequest(DETAILS.taskFailed(task.id));
  if (task.status !== "SUCCEEDED") throw ApiError.badRequest(DETAILS.taskNotFinished(task.id, task.status));
  const selfUrl = context.itemLinks.sign(task.id, task.ownerId, expiresAt);
  return buildStacItem(task, { signer: context.signer, expiresAt, selfUrl });
}
