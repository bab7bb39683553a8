/**
 * The wire contract of taskdl: zod schemas and their types for the Get
 * Download URL API and the ingest path. The server validates with them, the
 * OpenAPI document is generated from them, and clients type their calls with
 * them.
 *
 * @example
 * ```ts
 * import { commonResponse, DownloadUrlResp } from "@taskdl/contract";
 * const envelope = commonResponse(DownloadUrlResp).parse(await response.json());
 * console.log(envelope.data.totalSize);
 * ```
 *
 * @module
 */
export * from "./common_response.ts";
export * from "./download_url_request.ts";
export * from "./download_url_resp.ts";
export * from "./download_url_vo.ts";
export * from "./put_task_request.ts";
export * from "./result_code.ts";
export * from "./task_id.ts";
export * from "./task_status.ts";
