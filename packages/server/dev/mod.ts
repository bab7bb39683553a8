/**
 * Development tooling of the service, kept out of its public entry: the
 * development token (`npm run token`, the banner's curl) and the demo task
 * `12345` (recorded at start-up unless `SEED_DEMO=false`, off in production).
 *
 * @example
 * ```ts
 * import { signDevToken } from "@taskdl/server/dev";
 * const token = signDevToken(config.jwt, "alice", { scope: "tasks:write" });
 * ```
 *
 * @module
 */
export { DEMO_TASK_ID, DEMO_USER, seedDemo } from "./seed_demo.ts";
export { signDevToken, type SignDevTokenOptions } from "./sign_dev_token.ts";
