import { isSpanContextValid, trace } from "@opentelemetry/api";

/**
 * The active trace's id, for the access line; `undefined` outside a
 * sampled span. Loaded only when traces are on (with the OpenTelemetry API).
 *
 * @returns The 32-hex-digit trace id, or `undefined`.
 *
 * @example
 * ```ts
 * app.use(logRequests(logger, { traceId: activeTraceId }));
 * ```
 */
export function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context === undefined || !isSpanContextValid(context) ? undefined : context.traceId;
}
