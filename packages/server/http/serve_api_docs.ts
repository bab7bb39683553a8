import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "koa";
import { MESSAGES } from "../envelope/messages.ts";
import { sendError } from "./send_error.ts";

/** Where the interactive API reference is served. */
export const API_DOCS_PATH = "/docs";

// The only files served under /docs/: what the page loads, from swagger-ui-dist and our own start script.
const SWAGGER_UI_DIST = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, { path: string; type: string }> = {
  "swagger-ui.css": { path: join(SWAGGER_UI_DIST, "swagger-ui.css"), type: "text/css; charset=utf-8" },
  "index.css": { path: join(SWAGGER_UI_DIST, "index.css"), type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": {
    path: join(SWAGGER_UI_DIST, "swagger-ui-bundle.js"),
    type: "text/javascript; charset=utf-8",
  },
  "favicon-32x32.png": { path: join(SWAGGER_UI_DIST, "favicon-32x32.png"), type: "image/png" },
  "favicon-16x16.png": { path: join(SWAGGER_UI_DIST, "favicon-16x16.png"), type: "image/png" },
  "start_api_docs.js": {
    path: fileURLToPath(new URL("./start_api_docs.js", import.meta.url)),
    type: "text/javascript; charset=utf-8",
  },
};

/**
 * The page's policy: everything from this service, nothing inline, no
 * frames. Swagger UI's icons are `data:` images in its stylesheet; its
 * inline styles are set through the DOM, which `style-src` does not govern.
 */
export const API_DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface Asset {
  body: Buffer;
  type: string;
  version: string;
}

/**
 * Serves the interactive API reference: `GET /docs`, an HTML page of our own
 * that runs Swagger UI (from the `swagger-ui-dist` package, served by the
 * service itself) on the service's `openapi.json`, and the few files it
 * loads from `/docs/<name>` — an allow-list, so no other path is ever read.
 * Links on the page are relative, so it works behind a proxy's path prefix;
 * `/docs/` redirects to `/docs` for the same reason. The page is sent
 * `no-cache` with a strict Content-Security-Policy; each asset URL carries
 * its content hash (`?v=`), which makes it cacheable for a year, while an
 * asset asked for without its current hash is revalidated by `ETag`.
 *
 * The files are read once, when this is called.
 *
 * @returns A Koa handler for `/docs` and everything under it (GET and HEAD).
 *
 * @example
 * ```ts
 * router.all("/docs{/*rest}", only("GET, HEAD"), serveApiDocs());
 * ```
 */
export function serveApiDocs(): (ctx: Context) => void {
  const assets = new Map<string, Asset>();
  for (const [name, { path, type }] of Object.entries(ASSETS)) {
    const body = readFileSync(path);
    assets.set(name, { body, type, version: createHash("sha256").update(body).digest("hex").slice(0, 16) });
  }
  const page = Buffer.from(pageHtml((name) => `docs/${name}?v=${assets.get(name)?.version}`));

  return function apiDocs(ctx: Context): void {
    const rest = ctx.path.slice(API_DOCS_PATH.length);
    if (rest === "") {
      ctx.set("Content-Security-Policy", API_DOCS_CSP);
      ctx.set("Cache-Control", "no-cache");
      ctx.type = "text/html; charset=utf-8";
      ctx.body = page;
      return;
    }
    if (rest === "/") {
      // Relative, so a path prefix in front of the service stays.
      ctx.status = 301;
      ctx.set("Location", `../docs${ctx.search}`);
      ctx.body = "";
      return;
    }
    // The raw path, still percent-encoded, must be one of the names: no decoding, no joining.
    const asset = assets.get(rest.slice(1));
    if (asset === undefined) return sendError(ctx, { code: 404, message: MESSAGES.routeNotFound, headers: {} });
    ctx.set("ETag", `"${asset.version}"`);
    ctx.set(
      "Cache-Control",
      ctx.query.v === asset.version ? "public, max-age=31536000, immutable" : "public, no-cache",
    );
    ctx.type = asset.type;
    ctx.body = asset.body;
    // If-None-Match against the ETag; Koa drops the body of a 304.
    if (ctx.fresh) ctx.status = 304;
  };
}

function pageHtml(asset: (name: string) => string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>taskdl API reference</title>
    <link rel="stylesheet" href="${asset("swagger-ui.css")}" />
    <link rel="stylesheet" href="${asset("index.css")}" />
    <link rel="icon" type="image/png" sizes="32x32" href="${asset("favicon-32x32.png")}" />
    <link rel="icon" type="image/png" sizes="16x16" href="${asset("favicon-16x16.png")}" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${asset("swagger-ui-bundle.js")}"></script>
    <script src="${asset("start_api_docs.js")}"></script>
  </body>
</html>
`;
}
