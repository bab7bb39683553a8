/**
 * The REST client of taskdl alone: plain `fetch` against the documented
 * paths, answers validated with the contract's schemas, failures thrown as
 * one {@linkcode TaskdlError}. It depends on `@taskdl/contract` and zod
 * only, so it is what `@taskdl/client` publishes to JSR (and, through JSR,
 * to npm).
 *
 * The typed tRPC client (`createTaskdlClient`, from `@taskdl/client` in this
 * repository's workspace) is not published: it takes its types from the
 * server's router (`import type { AppRouter } from "@taskdl/server"`), and
 * the server is not a published package, so a published copy would point
 * its consumers' type checks at a package nobody publishes.
 *
 * @example
 * ```ts
 * import { createRestClient, TaskdlError } from "@taskdl/client/rest";
 * const taskdl = createRestClient({ baseUrl: "http://127.0.0.1:3000", token });
 * try {
 *   const { downloadUrls } = await taskdl.getDownloadUrls("12345");
 * } catch (error) {
 *   if (error instanceof TaskdlError) console.error(error.code, error.message);
 * }
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
export type { TokenSource } from "./_answer.ts";
export { TaskdlError, type TaskdlErrorOptions } from "./taskdl_error.ts";
