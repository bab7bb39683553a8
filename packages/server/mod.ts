/**
 * The taskdl service: give users temporary, signed download URLs for the
 * result files of their analysis tasks, over REST (documented by OpenAPI)
 * and tRPC. Run it with `npm start`; embed it with {@linkcode startServer}.
 *
 * @example
 * ```ts
 * import { createLogger, loadConfig, startServer } from "@taskdl/server";
 * const config = loadConfig(process.env);
 * const running = await startServer(config, { logger: createLogger(config.logLevel) });
 * ```
 *
 * @module
 */
export { signDevToken, type SignDevTokenOptions } from "./auth/sign_dev_token.ts";
export { ConfigError } from "./config/config_error.ts";
export { type Config, loadConfig, type StorageConfig } from "./config/load_config.ts";
export { DEMO_TASK_ID, DEMO_USER } from "./demo/seed_demo.ts";
export { buildOpenApiDocument } from "./http/openapi_document.ts";
export { DOWNLOAD_URL_PATH } from "./http/create_app.ts";
export { createLogger } from "./log/create_logger.ts";
export { createUrlSigner } from "./storage/create_url_signer.ts";
export type { SignOptions, UrlSigner } from "./storage/url_signer.ts";
export { type RunningServer, startServer, type StartServerOptions } from "./start_server.ts";
export type { AppRouter } from "./trpc/app_router.ts";
