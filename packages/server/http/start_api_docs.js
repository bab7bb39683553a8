// Starts Swagger UI on the service's own OpenAPI document. Served as /docs/start_api_docs.js by
// serve_api_docs.ts, as a file of its own so that the page's policy holds: script-src 'self', nothing inline.
"use strict";

// The page is <service>/docs, so the service's root is the page's folder, with any path prefix a proxy adds.
const serviceRoot = new URL(".", document.baseURI).href.replace(/\/$/, "");

// OpenAPI 3.1, Parameter Object: a header parameter named Accept, Content-Type or Authorization "SHALL be
// ignored". Swagger UI does not send it, but still shows it as a required field with a fake example token,
// which invites pasting the token there instead of in "Authorize" (the bearerAuth scheme, which is sent).
const IGNORED_HEADERS = new Set(["accept", "content-type", "authorization"]);
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** The document as this page shows it: servers under the service's root, ignored headers left out. */
function forThisPage(spec) {
  const kept = (parameters) =>
    parameters?.filter((parameter) => parameter.in !== "header" || !IGNORED_HEADERS.has(parameter.name.toLowerCase()));
  const paths = Object.fromEntries(
    Object.entries(spec.paths ?? {}).map(([path, item]) => {
      const shown = { ...item, ...(item.parameters === undefined ? {} : { parameters: kept(item.parameters) }) };
      for (const method of METHODS) {
        if (item[method]?.parameters !== undefined) {
          shown[method] = { ...item[method], parameters: kept(item[method].parameters) };
        }
      }
      return [path, shown];
    }),
  );
  // The document's server "/" is the service's root; Swagger UI would resolve it to this origin's root and
  // lose a proxy's path prefix.
  const servers = (spec.servers ?? [{ url: "/" }]).map((server) =>
    server.url.startsWith("/") ? { ...server, url: serviceRoot + server.url.replace(/\/$/, "") } : server,
  );
  return { ...spec, servers, paths };
}

function ThisService() {
  return {
    statePlugins: {
      spec: {
        wrapActions: {
          updateJsonSpec: (original) => (spec) => original(forThisPage(spec)),
        },
      },
    },
  };
}

globalThis.ui = SwaggerUIBundle({
  url: `${serviceRoot}/openapi.json`,
  dom_id: "#swagger-ui",
  plugins: [ThisService],
  // No badge: it would send the document to an online validator.
  validatorUrl: null,
  deepLinking: true,
  displayRequestDuration: true,
  // A token is a credential: it stays in this tab's memory, not in localStorage.
  persistAuthorization: false,
});
