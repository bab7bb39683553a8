/**
 * The raw floor of `api_bench.ts`: the Get Download URL answer written by
 * hand — `node:http`, a `pg.Pool` of the service's size, the same one query
 * for a task and its outputs, the same token check (jsonwebtoken, HS256,
 * exp and sub), ownership and status checks, HMAC-SHA256 links of the same
 * shape as the service's local signer, the same JSON envelope. A yardstick,
 * not a product: no other path, no logging, no limits.
 *
 * With `IN_MEMORY=true` it runs the same query for every task once at
 * start-up and answers from a `Map` after that: the same code with no
 * database per request, i.e. what the job costs on `node:http` alone.
 *
 *   PORT=… DATABASE_URL=… JWT_SECRET=… URL_SIGNING_KEY=… POOL_MAX=10 [IN_MEMORY=true] node tools/bench/floor_server.ts
 *
 * @module
 */
import { createHmac, createSecretKey } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import jwt from "jsonwebtoken";
import pg from "pg";
import { ROUTES } from "@taskdl/contract";

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const secret = env("JWT_SECRET");
const key = createSecretKey(Buffer.from(env("URL_SIGNING_KEY")));
const filesUrl = `${process.env.BASE_URL ?? `http://127.0.0.1:${env("PORT")}`}/files/`;
const pool = new pg.Pool({ connectionString: env("DATABASE_URL"), max: Number(process.env.POOL_MAX ?? 10) });
pool.on("error", () => {}); // an idle client whose backend went (the database stops first at the end of a run)
pg.types.setTypeParser(20, Number); // bigint sizes as numbers, as the service maps them
const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;
const QUERY = {
  name: "task-with-outputs",
  text:
    'SELECT t.owner_id, t.status, o.file_name, o.storage_key, o.size, o.content_type, o.sha256 FROM "analysis_task" t ' +
    'LEFT JOIN "task_output" o ON o.task_id = t.id WHERE t.id = $1 ORDER BY o.position',
};

interface Row {
  owner_id: string;
  status: string;
  file_name: string | null;
  storage_key: string;
  size: number;
  content_type: string | null;
  sha256: string | null;
}

// IN_MEMORY=true: every task's rows, read once with the per-request query's columns and order.
const inMemory = process.env.IN_MEMORY === "true" ? await readEveryTask() : undefined;

async function readEveryTask(): Promise<Map<string, Row[]>> {
  const { rows } = await pool.query<Row & { id: string }>(
    'SELECT t.id, t.owner_id, t.status, o.file_name, o.storage_key, o.size, o.content_type, o.sha256 FROM "analysis_task" t ' +
      'LEFT JOIN "task_output" o ON o.task_id = t.id ORDER BY t.id, o.position',
  );
  const tasks = new Map<string, Row[]>();
  for (const { id, ...row } of rows) {
    const list = tasks.get(id);
    if (list === undefined) tasks.set(id, [row]);
    else list.push(row);
  }
  return tasks;
}

async function rowsOf(taskId: string): Promise<Row[]> {
  if (inMemory !== undefined) return inMemory.get(taskId) ?? [];
  return (await pool.query<Row>(QUERY, [taskId])).rows;
}

function answer(res: ServerResponse, code: number, message: string, data: unknown = null): void {
  const body = JSON.stringify({ code, message, data });
  res.writeHead(code, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }).end(body);
}

function sign(storageKey: string, fileName: string, contentType: string | null, exp: number): string {
  const sig = createHmac("sha256", key)
    .update(JSON.stringify(["v1", "default", storageKey, fileName, contentType, exp]))
    .digest("base64url");
  const path = storageKey.split("/").map(encodeURIComponent).join("/");
  const ct = contentType === null ? "" : `&ct=${encodeURIComponent(contentType)}`;
  return `${filesUrl}${path}?exp=${exp}&fn=${encodeURIComponent(fileName)}${ct}&kid=default&sig=${sig}`;
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://floor");
    if (url.pathname !== ROUTES.getDownloadUrl.path) return answer(res, 404, "Not found");
    const header = req.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    let userId: string;
    try {
      const claims = jwt.verify(token, secret, { algorithms: ["HS256"] }) as jwt.JwtPayload;
      if (typeof claims.sub !== "string" || typeof claims.exp !== "number") throw new Error("claims");
      userId = claims.sub;
    } catch {
      return answer(res, 401, "Unauthorized: invalid token");
    }
    const taskId = url.searchParams.get("taskId") ?? "";
    if (!TASK_ID.test(taskId)) return answer(res, 400, "Request parameter error: taskId is invalid");
    const rows = await rowsOf(taskId);
    const first = rows[0];
    if (first === undefined || first.owner_id !== userId) return answer(res, 404, "Task not found");
    if (first.status !== "SUCCEEDED")
      return answer(res, 400, `Request parameter error: task ${taskId} has not finished`);
    const exp = Math.ceil(Date.now() / 1000) + 3600;
    const expiresAt = new Date(exp * 1000).toISOString().replace(".000Z", "Z");
    let totalSize = 0;
    const downloadUrls = rows
      .filter((row): row is Row & { file_name: string } => row.file_name !== null)
      .map((row) => {
        totalSize += row.size;
        return {
          fileName: row.file_name,
          downloadUrl: sign(row.storage_key, row.file_name, row.content_type, exp),
          fileSize: row.size,
          expiresAt,
          ...(row.content_type === null ? {} : { contentType: row.content_type }),
          ...(row.sha256 === null ? {} : { sha256: row.sha256 }),
        };
      });
    answer(res, 200, "success", { taskId, downloadUrls, totalSize });
  } catch {
    answer(res, 500, "Server internal error");
  }
});
server.keepAliveTimeout = 65_000;
server.listen(Number(env("PORT")), "127.0.0.1", () => process.send?.("listening"));
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
});
