import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { DEMO_CURL, startMain, waitForOutput } from "../_start_main.ts";

// The service as `npm start` runs it (with its --import preload), exporting
// to an OTLP/HTTP receiver this test runs on loopback.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string } & Record<string, unknown> }[];
}
interface Received {
  service: string | undefined;
  span: OtlpSpan;
}

let receiver: Server;
let endpoint: string;
const received: Received[] = [];
let database: TestDatabase;
const dataDir = mkdtempSync(join(tmpdir(), "taskdl-traces-"));

before(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      assert.equal(req.url, "/v1/traces");
      const batch = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
      };
      for (const resource of batch.resourceSpans) {
        const service = resource.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue;
        for (const scope of resource.scopeSpans) for (const span of scope.spans) received.push({ service, span });
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  database = await createTestDatabase();
});
after(async () => {
  receiver.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const text = (value: Record<string, unknown>) => JSON.stringify(value);

test(
  "a span per request with the query, signing and storage beneath it, the trace id in the access line, no secret",
  { timeout: 120_000 },
  async () => {
    const main = startMain({
      DATA_DIR: dataDir,
      PORT: "0",
      DATABASE_URL: database.url,
      SEED_DEMO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: "taskdl-traces-test",
      OTEL_BSP_SCHEDULE_DELAY: "200",
    });
    let token = "";
    const links: string[] = [];
    try {
      const [, bearer, url] = await waitForOutput(main, DEMO_CURL);
      token = bearer ?? "";
      const res = await fetch(url ?? "", { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: { downloadUrls: { downloadUrl: string }[] } };
      for (const vo of body.data.downloadUrls) {
        links.push(vo.downloadUrl);
        assert.equal((await fetch(vo.downloadUrl)).status, 200);
      }
    } finally {
      main.child.kill("SIGTERM");
    }
    assert.equal(await main.exited, 0, main.output());

    const spans = received.map((entry) => entry.span);
    assert.ok(spans.length > 0, "spans arrived");
    assert.ok(
      received.every((entry) => entry.service === "taskdl-traces-test"),
      "OTEL_SERVICE_NAME names the service",
    );
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const rootOf = (span: OtlpSpan): OtlpSpan => {
      const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
      return parent === undefined ? span : rootOf(parent);
    };
    const attribute = (span: OtlpSpan, key: string) => span.attributes?.find((a) => a.key === key)?.value;
    const SERVER = 2;
    const apiRequest = spans.find(
      (span) => span.kind === SERVER && attribute(span, "url.path")?.stringValue === "/analysis/task/get/Download/url",
    );
    assert.ok(
      apiRequest !== undefined,
      `a server span for the API request among ${spans.map((s) => s.name).join(", ")}`,
    );
    assert.equal(apiRequest.parentSpanId ?? "", "", "the request's span is the trace's root");
    const beneath = spans.filter((span) => span !== apiRequest && rootOf(span) === apiRequest);
    const names = beneath.map((span) => span.name);
    assert.ok(
      names.some((name) => name.startsWith("pg.query")),
      `a database query span beneath it: ${names.join(", ")}`,
    );
    assert.equal(
      names.filter((name) => name === "storage.sign").length,
      2,
      `one signing span per output: ${names.join(", ")}`,
    );
    assert.ok(
      beneath.every((span) => span.traceId === apiRequest.traceId),
      "the children share the request's trace",
    );
    const downloads = spans.filter(
      (span) => span.kind === SERVER && (attribute(span, "url.path")?.stringValue ?? "").startsWith("/files/"),
    );
    assert.equal(downloads.length, 2, "each download has its own span");

    // The request's access line carries its trace id.
    const accessLines = main
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "request");
    const apiLine = accessLines.find((line) => line.path === "/analysis/task/get/Download/url");
    assert.equal(apiLine?.traceId, apiRequest.traceId);

    // Nothing about tokens or signed links in any attribute.
    const secrets = [token, ...links.map((link) => new URL(link).search.slice(1)), ...links];
    for (const span of spans) {
      for (const { key, value } of span.attributes ?? []) {
        for (const secret of secrets) {
          assert.ok(!text(value).includes(secret), `${span.name} ${key} = ${text(value)} holds a secret`);
        }
      }
    }
    const query = downloads.map((span) => attribute(span, "url.query")?.stringValue);
    assert.deepEqual(query, ["[redacted]", "[redacted]"], "a link's query is redacted, not dropped silently");
  },
);

test("the preload registers the SDK only with an OTLP endpoint", { timeout: 60_000 }, () => {
  const provider = (env: Record<string, string>) =>
    execFileSync(
      process.execPath,
      [
        "--import",
        fileURLToPath(new URL("./register_tracing.ts", import.meta.url)),
        "--input-type=module",
        "-e",
        'const { trace } = await import("@opentelemetry/api"); console.log(trace.getTracerProvider().getDelegate().constructor.name); process.exit(0)',
      ],
      {
        env: { PATH: process.env.PATH ?? "", ...env },
        encoding: "utf8",
        cwd: fileURLToPath(new URL(".", import.meta.url)),
      },
    ).trim();
  assert.equal(provider({}), "NoopTracerProvider", "off: nothing registered");
  assert.equal(provider({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: "true" }), "NoopTracerProvider");
  assert.notEqual(provider({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }), "NoopTracerProvider", "on: the SDK's provider");
});
