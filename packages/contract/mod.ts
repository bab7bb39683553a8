/**
 * The wire contract of taskdl: zod schemas and their types for the Get
 * Download URL API and the ingest path, and the REST routes that serve them
 * ({@linkcode ROUTES}). The server validates with the schemas, the OpenAPI
 * document is generated from them, and clients type their calls with them
 * and build their URLs with {@linkcode routePath}.
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
export * from "./file_link_request.ts";
export * from "./put_task_request.ts";
export * from "./result_code.ts";
export * from "./route_path.ts";
export * from "./routes.ts";
export * from "./stac_item.ts";
export * from "./task_id.ts";
export * from "./task_status.ts";
