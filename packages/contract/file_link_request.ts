import { z } from "zod";
import { ExpiresIn } from "./download_url_request.ts";
import { FileName } from "./put_task_request.ts";
import { TaskId } from "./task_id.ts";

/**
 * The request of `GET /analysis/task/{taskId}/files/{fileName}`, the stable
 * path of one output: it answers `302 Found` to a freshly signed link of
 * that file. `fileName` is the output's name (percent-encoded in the path).
 *
 * @example
 * ```ts
 * import { FileLinkRequest } from "@taskdl/contract";
 * FileLinkRequest.parse({ taskId: "12345", fileName: "ndvi_result.tif", expiresIn: "600" });
 * // { taskId: "12345", fileName: "ndvi_result.tif", expiresIn: 600 }
 * ```
 */
export const FileLinkRequest: z.ZodObject<
  { taskId: typeof TaskId; fileName: typeof FileName; expiresIn: typeof ExpiresIn },
  z.core.$strict
> = z
  .strictObject({ taskId: TaskId, fileName: FileName, expiresIn: ExpiresIn })
  .meta({ description: "Which output of which task to link, and for how long" });

/** The request of `GET /analysis/task/{taskId}/files/{fileName}`. */
export type FileLinkRequest = z.infer<typeof FileLinkRequest>;
