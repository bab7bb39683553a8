import type { DownloadUrlRequest, DownloadUrlResp, DownloadUrlVo } from "@taskdl/contract";
import type { UrlSigner } from "@taskdl/storage";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS } from "../envelope/messages.ts";
import type { SignedAnswers } from "../hot/signed_answers.ts";
import type { TaskRepository } from "./task_record.ts";

/** What {@linkcode getDownloadUrls} works with. */
export interface GetDownloadUrlsContext {
  /** The user asking (a token's `sub`). */
  userId: string;
  /** The request's task store. */
  tasks: TaskRepository;
  /** The configured storage signer. */
  signer: UrlSigner;
  /** Link lifetime when the request names none, in seconds. */
  defaultTtl: number;
  /** Longest lifetime a request may ask for, in seconds. */
  maxTtl: number;
  /** The clock, in milliseconds. Defaults to `Date.now`. */
  now?: () => number;
  /** Answers already signed this second, shared by requests; none means every answer is signed anew. */
  answers?: SignedAnswers | undefined;
}

/**
 * Issues temporary download URLs for every output of a task the user owns.
 * A task owned by someone else is answered exactly like a missing one.
 * All URLs of one answer share one expiry, a whole second at least
 * `expiresIn` seconds from now.
 *
 * @param request The task id and optional lifetime.
 * @param context The user, the stores and the lifetime limits.
 * @returns The URLs in recorded order with their total size.
 * @throws {ApiError} 400 for a lifetime over the limit or an unfinished or
 *   failed task; 404 for a missing or foreign task.
 *
 * @example
 * ```ts
 * const resp = await getDownloadUrls({ taskId: "12345" }, { userId: "demo", tasks, signer, defaultTtl: 3600, maxTtl: 604800 });
 * ```
 */
export async function getDownloadUrls(
  request: DownloadUrlRequest,
  context: GetDownloadUrlsContext,
): Promise<DownloadUrlResp> {
  const { userId, tasks, signer, defaultTtl, maxTtl, now = Date.now, answers } = context;
  const { taskId, expiresIn = defaultTtl } = request;
  if (expiresIn > maxTtl) throw ApiError.badRequest(DETAILS.expiresInTooLong(maxTtl));

  const task = await tasks.findWithOutputs(taskId);
  if (task === null || task.ownerId !== userId) throw ApiError.taskNotFound();
  if (task.status === "FAILED") throw ApiError.badRequest(DETAILS.taskFailed(taskId));
  if (task.status !== "SUCCEEDED") {
    throw ApiError.badRequest(DETAILS.taskNotFinished(taskId, task.status));
  }

  // Rounded up to a whole second, so a link never lives shorter than asked.
  const expiresAtSeconds = Math.ceil(now() / 1000) + expiresIn;
  const signed = answers?.get(task, expiresAtSeconds);
  if (signed !== undefined) return signed;
  const expiresAt = new Date(expiresAtSeconds * 1000);
  const expiresAtText = expiresAt.toISOString().replace(".000Z", "Z");

  let totalSize = 0;
  const downloadUrls = await Promise.all(
    task.outputs.map(async (output): Promise<DownloadUrlVo> => {
      totalSize += output.size;
      const contentType = output.contentType ?? undefined;
      const sha256 = output.sha256 ?? undefined;
      // The task id and digest travel in the service's own links (format 2), verified with them, no database.
      const downloadUrl = await signer.sign(output.storageKey, {
        fileName: output.fileName,
        contentType,
        expiresAt,
        taskId,
        sha256,
      });
      return {
        fileName: output.fileName,
        downloadUrl,
        fileSize: output.size,
        expiresAt: expiresAtText,
        ...(contentType === undefined ? {} : { contentType }),
        ...(output.sha256 === null ? {} : { sha256: output.sha256 }),
      };
    }),
  );
  const answer = { taskId, downloadUrls, totalSize };
  return answers === undefined ? answer : answers.set(task, expiresAtSeconds, answer);
}
