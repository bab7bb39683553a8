/**
 * The OpenTelemetry preload: `npm start` runs the service with
 * `node --import ./packages/server/tracing/register_tracing.ts`, so the SDK
 * and its instrumentations are in place before the first `import` of `http`,
 * `pg`, `ioredis` or `koa`. With no OTLP endpoint set it loads nothing and
 * returns: traces off cost one look at the environment at start-up. This file
 * and the SDK read their `OTEL_*` variables themselves (the OpenTelemetry
 * specification's names, `OTEL_SERVICE_NAME` among them); the service's own
 * configuration reads the same rule through `tracingEnabled`.
 *
 * @module
 */
import { tracingEnabled } from "./tracing_enabled.ts";

if (tracingEnabled(process.env)) {
  const { startTracing } = await import("./_start_tracing.ts");
  startTracing();
}
