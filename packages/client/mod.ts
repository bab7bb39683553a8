/**
 * Clients for taskdl: a typed tRPC client for TypeScript apps and a plain
 * `fetch` client for the REST paths. Both give the same calls and throw the
 * same {@linkcode TaskdlError}; both run in Node, browsers and Deno.
 *
 * This entry is for this repository's workspace: the typed client takes its
 * types from the server's router (`import type { AppRouter } from
 * "@taskdl/server"`), and the server is not a published package. What
 * `@taskdl/client` publishes (to JSR, and through JSR to npm) is the REST
 * client alone, `@taskdl/client/rest`, which needs nothing but the contract.
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
export * from "./rest.ts";
export { createTaskdlClient, type TaskdlClient, type TaskdlClientOptions } from "./create_taskdl_client.ts";
