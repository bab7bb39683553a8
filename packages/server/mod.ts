/**
 * The taskdl service: give users temporary, signed download URLs for the
 * result files of their analysis tasks, over REST (documented by OpenAPI)
 * and tRPC. Run it with `npm start`; embed it with {@linkcode startServer}.
 * Development tooling (the dev token, the demo task) is on `@taskdl/server/dev`.
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
export { ConfigError } from "./config/config_error.ts";
export { type Config, type JwtConfig, loadConfig } from "./config/load_config.ts";
export {
  type EmbeddedPostgresHandle,
  startEmbeddedPostgres,
  type StartEmbeddedPostgresOptions,
} from "./embedded_postgres/start_embedded_postgres.ts";
export { buildOpenApiDocument } from "./http/openapi_document.ts";
export { createLogger } from "./log/create_logger.ts";
export { type RunningServer, startServer, type StartServerOptions } from "./start_server.ts";
export { StartupError } from "./startup/startup_error.ts";
export type { AppRouter } from "./trpc/app_router.ts";
