import type { DownloadUrlVo, FileLinkRequest } from "@taskdl/contract";
import { ApiError } from "../envelope/api_error.ts";
import {
  expirySeconds,
  findSucceededTask,
  type GetDownloadUrlsContext,
  linkLifetime,
  signOutput,
} from "./get_download_urls.ts";

/**
 * A freshly signed link of one output, by its file name: what the stable
 * path `GET /analysis/task/{taskId}/files/{fileName}` redirects to. The task
 * rules are the download URL path's (404 for a missing or foreign task, 400
 * for an unfinished or failed one, the same lifetime bounds); a task the
 * user can see without that file → 404 `File not found`.
 *
 * @param request The task, the file name and the optional lifetime.
 * @param context The user, the stores and the lifetime limits.
 * @returns The file's link, as the download URL path lists it.
 * @throws {ApiError} As `getDownloadUrls`, and 404 `File not found`.
 *
 * @example
 * ```ts
 * const { downloadUrl } = await getFileLink({ taskId: "12345", fileName: "ndvi_result.tif" }, context);
 * ```
 */
export async function getFileLink(request: FileLinkRequest, context: GetDownloadUrlsContext): Promise<DownloadUrlVo> {
  const expiresIn = linkLifetime(request.expiresIn, context);
  // The task's rules first, so that a file name says nothing about a task the user cannot see.
  const task = await findSucceededTask(request.taskId, 0, context);
  const output = task.outputs.find((candidate) => candidate.fileName === request.fileName);
  if (output === undefined) throw ApiError.fileNotFound();
  return signOutput(task.id, output, expirySeconds(expiresIn, context.now), context.signer);
}
