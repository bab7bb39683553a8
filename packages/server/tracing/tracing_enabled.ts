/**
 * Whether traces are on: an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`
 * or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, the OpenTelemetry SDK's own
 * variables), and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none`
 * turns them off. The one rule both the `--import` preload and the
 * configuration follow, so the service installs its own spans exactly when
 * the SDK runs.
 *
 * @param env The environment.
 * @returns `true` when spans are exported.
 *
 * @example
 * ```ts
 * tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }); // true
 * tracingEnabled({}); // false
 * ```
 */
export function tracingEnabled(env: Record<string, string | undefined>): boolean {
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  if ((env.OTEL_SDK_DISABLED ?? "").trim().toLowerCase() === "true") return false;
  if ((env.OTEL_TRACES_EXPORTER ?? "").trim().toLowerCase() === "none") return false;
  return set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
}
