import { createServer, type Server } from "node:http";
import type { ServiceMetrics } from "./service_metrics.ts";

/**
 * The metrics listener's HTTP server: `GET /metrics` in Prometheus' text
 * format, 404 for anything else. It is a server of its own, apart from the
 * API's, so scrapes need no token, never count as API requests, and can be
 * kept on an address the outside cannot reach (`METRICS_HOST`, loopback by
 * default). The caller listens and closes.
 *
 * @param metrics The service's metrics.
 * @returns The server, not listening yet.
 *
 * @example
 * ```ts
 * const server = serveMetrics(metrics);
 * await listen(server, 9464, "127.0.0.1");
 * ```
 */
export function serveMetrics(metrics: ServiceMetrics): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found: metrics are at GET /metrics\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        res.writeHead(500, { "Content-Type": "text/plain" }).end(`Cannot collect metrics: ${String(error)}\n`);
      },
    );
  });
}
