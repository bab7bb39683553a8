import { type ClientRequest, IncomingMessage } from "node:http";
import type { Span } from "@opentelemetry/api";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";

const REDACTED = "[redacted]";

/**
 * Starts the OpenTelemetry SDK for traces only (no metrics or logs exporter:
 * metrics are Prometheus'), exporting over OTLP/HTTP to the endpoint of the
 * standard variables, with the instrumentations of what the service uses:
 * `http` (incoming requests and outgoing calls to S3, Azure, JWKS), `pg`
 * (every query) and `ioredis` (the shared rate limit). Not `koa`: its
 * instrumentation patches CommonJS `require`, and the service imports Koa as
 * an ES module, so it would see nothing without an ESM loader hook
 * (import-in-the-middle) in front of every module the service loads. Nothing that carries a secret becomes an attribute:
 * query strings (a signed link's signature, an Azure SAS) are replaced by
 * `[redacted]`, outgoing URLs lose theirs, Redis commands are named without
 * their arguments, SQL is the statement text with its `$1` placeholders only.
 * The SDK is shut down (its last spans flushed) when the process exits.
 */
export function startTracing(): void {
  const sdk = new NodeSDK({
    traceExporter: new OTLPTraceExporter(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        requestHook: redactUrl,
        // Scrapes and probes are not worth a trace each.
        ignoreIncomingRequestHook: (request) => request.url === "/healthz" || request.url === "/readyz",
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
  sdk.start();
  // Bounded: an exporter that cannot reach its collector must not hold the exit.
  const shutdown = () =>
    Promise.race([sdk.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  process.once("beforeExit", shutdown);
  // main.ts exits with process.exit after its drain: flush what is left on the way out.
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    void shutdown().finally(() => exit(code));
    return undefined as never;
  }) as typeof process.exit;
}

// Incoming: the query string (link signatures); outgoing: the query of the full URL (SAS tokens).
function redactUrl(span: Span, request: ClientRequest | IncomingMessage): void {
  if (request instanceof IncomingMessage) {
    const url = request.url ?? "";
    if (url.includes("?")) {
      span.setAttribute("url.query", REDACTED);
      span.setAttribute("http.target", `${url.slice(0, url.indexOf("?"))}?${REDACTED}`);
    }
    return;
  }
  const path = request.path ?? "";
  if (path.includes("?")) {
    span.setAttribute(
      "url.full",
      `${request.protocol}//${request.host}${path.slice(0, path.indexOf("?"))}?${REDACTED}`,
    );
  }
}
