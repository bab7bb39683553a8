import { z } from "zod";
import { DownloadUrlVo } from "./download_url_vo.ts";
import { TaskId } from "./task_id.ts";

/**
 * The download URLs for every output of one task, in the order the task
 * recorded them, with their exact total size.
 *
 * @example
 * ```ts
 * import { DownloadUrlResp } from "@taskdl/contract";
 * DownloadUrlResp.parse({ taskId: "12345", downloadUrls: [], totalSize: 0 });
 * ```
 */
export const DownloadUrlResp: z.ZodObject<
  { taskId: typeof TaskId; downloadUrls: z.ZodArray<typeof DownloadUrlVo>; totalSize: z.ZodInt },
  z.core.$loose
> = z
  .looseObject({
    taskId: TaskId,
    downloadUrls: z.array(DownloadUrlVo).meta({ description: "List of download URLs" }),
    totalSize: z.int().min(0).meta({ description: "Total file size in bytes", example: 662000 }),
  })
  .meta({ id: "DownloadUrlResp", description: "Download URL response" });

/** The download URLs for every output of one task. */
export type DownloadUrlResp = z.infer<typeof DownloadUrlResp>;
