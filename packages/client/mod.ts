/**
 * Clients for taskdl: a typed tRPC client for TypeScript apps and a plain
 * `fetch` client for the REST paths. Both give the same calls and throw the
 * same {@linkcode TaskdlError}; both run in Node, browsers and Deno.
 *
 * @example
 * ```ts
 * import { createTaskdlClient } from "@taskdl/client";
 * const taskdl = createTaskdlClient({ baseUrl: "http://127.0.0.1:3000", token });
 * const { downloadUrls } = await taskdl.getDownloadUrls("12345");
 * ```
 *
 * @module
 */
export {
  createRestClient,
  type DownloadUrlClient,
  type GetDownloadUrlsOptions,
  type RestClientOptions,
} from "./create_rest_client.ts";
export { createTaskdlClient, type TaskdlClient, type TaskdlClientOptions } from "./create_taskdl_client.ts";
export type { TokenSource } from "./_answer.ts";
export { TaskdlError, type TaskdlErrorOptions } from "./taskdl_error.ts";
