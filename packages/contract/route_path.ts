import type { PathParams, Route } from "./routes.ts";

/** Options of {@linkcode routePath}. */
export interface RoutePathOptions {
  /** Query parameters, in order; those that are `undefined` are left out. */
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
}

/**
 * The path (and query) to request for a route: each `{name}` of the template
 * replaced by its parameter, percent-encoded, so that a parameter is always
 * one whole path segment.
 *
 * @param route The route, one of {@linkcode ROUTES}.
 * @param params A string for each parameter of the path template (`{}` when it has none).
 * @param options The query parameters.
 * @returns The path, with `?query` when there is one, to append to the service's base URL.
 * @throws {TypeError} When a parameter is missing or empty.
 * @throws {RangeError} When a parameter is `.` or `..`, which URL parsers would resolve away.
 *
 * @example
 * ```ts
 * import { ROUTES, routePath } from "@taskdl/contract";
 * routePath(ROUTES.putTask, { taskId: "12345" }); // "/analysis/task/12345"
 * routePath(ROUTES.getDownloadUrl, {}, { query: { taskId: "12345", expiresIn: 600 } });
 * // "/analysis/task/get/Download/url?taskId=12345&expiresIn=600"
 * ```
 */
export function routePath<Path extends `/${string}`>(
  route: Route<Path>,
  params: PathParams<Path>,
  options: RoutePathOptions = {},
): string {
  const { query = {} } = options;
  const values: Readonly<Record<string, unknown>> = params;
  const path = route.path.replace(/\{([^{}]+)\}/g, (_template, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    const where = `Cannot build the path of ${route.method} ${route.path}`;
    if (typeof value !== "string" || value === "") throw new TypeError(`${where}: ${name} must be a non-empty string`);
    // "%2e" is a dot to a URL parser as well, so encoding cannot keep these in their segment.
    if (value === "." || value === "..") throw new RangeError(`${where}: ${name} must not be . or ..`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.append(name, String(value));
  const text = search.toString();
  return text === "" ? path : `${path}?${text}`;
}
