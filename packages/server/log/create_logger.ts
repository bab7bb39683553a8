import { pino, type DestinationStream, type Logger } from "pino";

/** Options of {@linkcode createLogger}. */
export interface CreateLoggerOptions {
  /** Where lines go. Defaults to standard output. */
  destination?: DestinationStream;
}

/**
 * Creates the service's structured JSON logger (pino). Request lines carry
 * method, path (never the query string, which can hold link signatures),
 * status and duration; no header values are ever logged.
 *
 * @param level The minimum level.
 * @param options Where lines go.
 * @returns The logger.
 *
 * @example
 * ```ts
 * const logger = createLogger("info");
 * logger.info({ port: 3000 }, "listening");
 * ```
 */
export function createLogger(level: string, options: CreateLoggerOptions = {}): Logger {
  const { destination } = options;
  const settings = {
    level,
    base: { service: "taskdl" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    // Belt and braces: should a header object ever be logged, its secrets are not.
    redact: { paths: ["*.authorization", "*.Authorization", "*.headers.authorization"], censor: "[redacted]" },
  };
  return destination === undefined ? pino(settings) : pino(settings, destination);
}
