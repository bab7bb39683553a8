/**
 * Prints a development token signed with the configured secret:
 *
 *   npm run token -- --sub alice [--scope tasks:write] [--ttl 3600]
 *
 * It reads the same configuration as the service (environment variables,
 * and the secret kept in `DATA_DIR` when `JWT_SECRET` is unset).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "@taskdl/server";
import { signDevToken } from "@taskdl/server/dev";

const usage = "usage: npm run token -- --sub <user> [--scope <scopes>] [--ttl <seconds>]";

try {
  const { values } = parseArgs({
    options: { sub: { type: "string" }, scope: { type: "string" }, ttl: { type: "string", default: "3600" } },
    strict: true,
  });
  if (values.sub === undefined || values.sub === "") throw new TypeError(`--sub is required\n${usage}`);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1)
    throw new TypeError(`--ttl must be a positive whole number of seconds\n${usage}`);
  const config = loadConfig(process.env);
  process.stdout.write(
    `${signDevToken(config.jwt, values.sub, { ttl, ...(values.scope ? { scope: values.scope } : {}) })}\n`,
  );
} catch (error) {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
}
