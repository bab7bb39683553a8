/** The HTTP methods a REST route of the API may use. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * One REST route of the API: its method, its path template and the tRPC
 * procedure that serves it. Path parameters are written `{name}`, as in the
 * OpenAPI document; {@linkcode routePath} fills them in.
 *
 * @typeParam Path The path template, e.g. `"/analysis/task/{taskId}"`.
 *
 * @example
 * ```ts
 * import type { Route } from "@taskdl/contract";
 * const route: Route<"/analysis/task/{taskId}"> = {
 *   method: "PUT",
 *   path: "/analysis/task/{taskId}",
 *   procedure: "analysisTask.put",
 * };
 * ```
 */
export interface Route<Path extends `/${string}` = `/${string}`> {
  /** The HTTP method. */
  readonly method: HttpMethod;
  /** The path template, parameters written `{name}`. */
  readonly path: Path;
  /** The tRPC procedure that serves the route, as its dotted path in the router (`analysisTask.put`). */
  readonly procedure: string;
}

/**
 * The names of the parameters in a path template.
 *
 * @typeParam Path The path template.
 *
 * @example
 * ```ts
 * import type { PathParamName } from "@taskdl/contract";
 * const name: PathParamName<"/analysis/task/{taskId}/files/{fileName}"> = "fileName";
 * ```
 */
export type PathParamName<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParamName<Rest>
  : never;

/**
 * The parameters a path template needs, each a string: `{}` for a path
 * without parameters.
 *
 * @typeParam Path The path template.
 *
 * @example
 * ```ts
 * import type { PathParams } from "@taskdl/contract";
 * const params: PathParams<"/analysis/task/{taskId}"> = { taskId: "12345" };
 * ```
 */
export type PathParams<Path extends string> = { readonly [Name in PathParamName<Path>]: string };

/**
 * Every REST route of the API, keyed by its OpenAPI `operationId`. The
 * server's router takes each procedure's method and path from here, the REST
 * client builds its URLs from here, and a contract test checks that the
 * committed OpenAPI document has exactly these routes.
 *
 * @example
 * ```ts
 * import { ROUTES, routePath } from "@taskdl/contract";
 * ROUTES.putTask.method; // "PUT"
 * routePath(ROUTES.putTask, { taskId: "12345" }); // "/analysis/task/12345"
 * ```
 */
export const ROUTES: {
  /** `GET /analysis/task/get/Download/url?taskId=…&expiresIn=…`: the download URLs of a task's outputs. */
  readonly getDownloadUrl: Route<"/analysis/task/get/Download/url">;
  /** `PUT /analysis/task/{taskId}`: records a task and its outputs (the ingest path). */
  readonly putTask: Route<"/analysis/task/{taskId}">;
  /** `GET /analysis/task/{taskId}/files/{fileName}`: the stable path of one output, `302` to a fresh link. */
  readonly getFile: Route<"/analysis/task/{taskId}/files/{fileName}">;
  /** `GET /analysis/task/{taskId}/stac?expiresIn=…`: the task's outputs as a STAC 1.1.0 Item. */
  readonly getStacItem: Route<"/analysis/task/{taskId}/stac">;
} = Object.freeze({
  getDownloadUrl: Object.freeze({
    method: "GET",
    path: "/analysis/task/get/Download/url",
    procedure: "analysisTask.getDownloadUrl",
  }),
  putTask: Object.freeze({
    method: "PUT",
    path: "/analysis/task/{taskId}",
    procedure: "analysisTask.put",
  }),
  getFile: Object.freeze({
    method: "GET",
    path: "/analysis/task/{taskId}/files/{fileName}",
    procedure: "analysisTask.getFile",
  }),
  getStacItem: Object.freeze({
    method: "GET",
    path: "/analysis/task/{taskId}/stac",
    procedure: "analysisTask.getStacItem",
  }),
});
