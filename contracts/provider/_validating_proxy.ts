import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { commonResponse, DownloadUrlResp, ErrorResponse, TaskResp } from "@taskdl/contract";

/** A response that did not match the document (or, for tRPC, the contract's schemas). */
export interface Violation {
  /** `GET /path → 200`. */
  exchange: string;
  /** What did not match. */
  problem: string;
}

/** A running proxy. */
export interface ValidatingProxy {
  /** Where to send requests. */
  url: string;
  /** Every mismatch seen so far. */
  violations: Violation[];
  /** How many responses were checked. */
  checked: () => number;
  /** Stops the proxy. */
  close(): Promise<void>;
}

type OpenApi = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
};

const TRPC = {
  "analysisTask.getDownloadUrl": commonResponse(DownloadUrlResp),
  "analysisTask.put": commonResponse(TaskResp),
} as Record<string, ReturnType<typeof commonResponse>>;

/**
 * A pass-through proxy in front of the provider that checks every response:
 * REST responses against the OpenAPI document's schema for their path,
 * method and status (an undocumented status is a violation too), and tRPC
 * responses against the contract's schemas. The provider verification points
 * Pact at it, so every interaction's real answer is checked twice.
 *
 * @param target The provider's base URL.
 * @param document The OpenAPI document.
 * @returns The proxy.
 */
export async function startValidatingProxy(target: string, document: OpenApi): Promise<ValidatingProxy> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, "openapi");
  const routes = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  const violations: Violation[] = [];
  let checked = 0;

  function check(method: string, url: URL, status: number, headers: Headers, body: string): void {
    const exchange = `${method} ${url.pathname} → ${status}`;
    const contentType = headers.get("content-type") ?? "";
    checked++;
    if (status >= 300 && status < 400) {
      // A redirect: documented for the route, with the Location the document names.
      const route = routes.find(({ pattern }) => pattern.test(url.pathname));
      const documented = route && document.paths[route.template]?.[method.toLowerCase()]?.responses[String(status)];
      if (documented === undefined) violations.push({ exchange, problem: "status not documented" });
      else if (!URL.canParse(headers.get("location") ?? "")) violations.push({ exchange, problem: "no Location URL" });
      return;
    }
    // JSON, or a JSON media type of its own (the STAC Item's application/geo+json), as the document says.
    const mediaType = (contentType.split(";")[0] ?? "").trim();
    if (!/^application\/([a-z.-]+\+)?json$/.test(mediaType)) {
      violations.push({ exchange, problem: `Content-Type is ${contentType}` });
      return;
    }
    const json = JSON.parse(body) as Record<string, unknown>;
    if (url.pathname.startsWith("/trpc/")) {
      const procedure = url.pathname.slice("/trpc/".length);
      const parsed =
        "error" in json
          ? ErrorResponse.safeParse(json.error)
          : TRPC[procedure]?.safeParse((json.result as { data?: unknown })?.data);
      if (parsed === undefined || !parsed.success)
        violations.push({ exchange, problem: JSON.stringify(parsed?.error?.issues ?? "unknown procedure") });
      else if ("error" in json && (json.error as { code: number }).code !== status)
        violations.push({ exchange, problem: "status differs from code" });
      return;
    }
    const route = routes.find(({ pattern }) => pattern.test(url.pathname));
    const operation = route === undefined ? undefined : document.paths[route.template]?.[method.toLowerCase()];
    if (route === undefined || operation === undefined || operation.responses[String(status)] === undefined) {
      violations.push({ exchange, problem: "status not documented" });
      return;
    }
    const pointer = `openapi#/paths/${route.template.replace(/~/g, "~0").replace(/\//g, "~1")}/${method.toLowerCase()}/responses/${status}/content/${mediaType.replace("/", "~1")}/schema`;
    const validate = ajv.getSchema(pointer);
    if (validate === undefined) violations.push({ exchange, problem: `no schema at ${pointer}` });
    else if (!validate(json)) violations.push({ exchange, problem: ajv.errorsText(validate.errors) });
  }

  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && name !== "host" && name !== "connection")
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const url = new URL(req.url ?? "/", target);
    const upstream = await fetch(url, {
      method: req.method ?? "GET",
      headers,
      // A 302 (the stable path of a file) is the answer under test, not a hop to follow.
      redirect: "manual",
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (req.method !== "HEAD")
      check(req.method ?? "GET", url, upstream.status, upstream.headers, body.toString("utf8"));
    const out: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (name !== "content-encoding" && name !== "transfer-encoding" && name !== "connection") out[name] = value;
    });
    res.writeHead(upstream.status, { ...out, "content-length": String(body.length) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    violations,
    checked: () => checked,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
