import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import Router from "@koa/router";
import Koa from "koa";
import { pino } from "pino";
import { startTestServer, type TestServer } from "@taskdl/testing";
import type { AuthOutcome } from "../auth/auth_user.ts";
import { createAuthMiddleware } from "../auth/create_auth_middleware.ts";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import { appRouter } from "../trpc/app_router.ts";
import { createContext } from "../trpc/context.ts";
import { handleErrors } from "./handle_errors.ts";
import { createTrpcHandler } from "./trpc_handler.ts";

// The quick path for GET queries (trpc_get_query.ts) must answer exactly as tRPC's own adapter: the
// service (quick path on) and, on the same database and signer, the handler with `quickQueries: false`.

let server: TestServer;
let adapter: Server;
let adapterUrl: string;
let alice: string;

before(async () => {
  server = await startTestServer();
  alice = server.token("alice");
  const outputs = [
    { fileName: "ndvi_result.tif", storageKey: "t/q/ndvi_result.tif", sha256: "AB".repeat(32) },
    { fileName: "analysis_report.pdf", storageKey: "t/q/analysis_report.pdf" },
  ];
  for (const task of [
    { taskId: "q-ok", ownerId: "alice", status: "SUCCEEDED" as const, outputs },
    { taskId: "q-running", ownerId: "alice", status: "RUNNING" as const, outputs: [] },
    { taskId: "q-failed", ownerId: "alice", status: "FAILED" as const, outputs: [] },
  ]) {
    const res = await server.putTask(task);
    assert.equal(res.status, 200, await res.text());
  }
  const services = {
    tasks: new PgTaskRepository(server.running.orm),
    signer: server.running.signer,
    ttl: { defaultTtl: server.config.downloadUrlTtl, maxTtl: server.config.downloadUrlMaxTtl },
  };
  const app = new Koa();
  const router = new Router();
  const trpc = createTrpcHandler(appRouter, {
    createContext: (ctx) => createContext(services, ctx.state.auth as AuthOutcome),
    onFault: () => {},
    quickQueries: false,
  });
  router.all("/trpc/*path", createAuthMiddleware(server.config.jwt), trpc);
  app.use(handleErrors(pino({ level: "silent" })));
  app.use(router.routes());
  adapter = createServer(app.callback());
  await new Promise<void>((resolve) => adapter.listen(0, "127.0.0.1", resolve));
  adapterUrl = `http://127.0.0.1:${(adapter.address() as AddressInfo).port}`;
});

after(async () => {
  adapter?.closeAllConnections();
  adapter?.close();
  await server?.close();
});

const HEADERS = ["content-type", "cache-control", "vary", "www-authenticate", "retry-after", "allow"];

// The expiry (and so the signature) moves with the clock between the two requests: masked, the rest compared.
const steady = (body: string) =>
  body
    .replace(/exp=\d+/g, "exp=E")
    .replace(/sig=[\w-]+/g, "sig=S")
    .replace(/"expiresAt":"[^"]+"/g, '"expiresAt":"E"');

async function answer(base: string, path: string, token: string | undefined) {
  const res = await fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: token } });
  const headers = Object.fromEntries(HEADERS.map((name) => [name, res.headers.get(name)]));
  return { status: res.status, headers, body: steady(await res.text()) };
}

const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));
const GET = "/trpc/analysisTask.getDownloadUrl";

test("a GET of one query, alone or as a batch of one, is answered exactly as tRPC's adapter answers it", async () => {
  const cases: [string, string | undefined][] = [
    [`${GET}?input=${input({ taskId: "q-ok" })}`, `Bearer ${alice}`],
    [`${GET}?batch=1&input=${input({ 0: { taskId: "q-ok" } })}`, `Bearer ${alice}`],
    [`${GET}?input=${input({ taskId: "q-ok", expiresIn: 120 })}`, `Bearer ${alice}`],
    // Errors: someone else's task, unknown, unfinished, failed, bad input, an expiry too long, no token, a bad one.
    [`${GET}?input=${input({ taskId: "q-ok" })}`, `Bearer ${server.token("bob")}`],
    [`${GET}?input=${input({ taskId: "nope" })}`, `Bearer ${alice}`],
    [`${GET}?batch=1&input=${input({ 0: { taskId: "nope" } })}`, `Bearer ${alice}`],
    [`${GET}?input=${input({ taskId: "q-running" })}`, `Bearer ${alice}`],
    [`${GET}?input=${input({ taskId: "q-failed" })}`, `Bearer ${alice}`],
    [`${GET}?input=${input({ taskId: "bad id!" })}`, `Bearer ${alice}`],
    [`${GET}?input=${input({ taskId: "q-ok", extra: 1 })}`, `Bearer ${alice}`],
    [`${GET}?input=${input({ taskId: "q-ok", expiresIn: 99_999_999 })}`, `Bearer ${alice}`],
    [`${GET}?input=${input({ taskId: "q-ok" })}`, undefined],
    [`${GET}?input=${input({ taskId: "q-ok" })}`, "Bearer not-a-jwt"],
    [`${GET}?input=${input(null)}`, `Bearer ${alice}`],
    [`${GET}?input=${input("q-ok")}`, `Bearer ${alice}`],
    [`/trpc/analysisTask.getFile?input=${input({ taskId: "q-ok", fileName: "ndvi_result.tif" })}`, `Bearer ${alice}`],
    [`/trpc/analysisTask.getFile?input=${input({ taskId: "q-ok", fileName: "missing.tif" })}`, `Bearer ${alice}`],
  ];
  for (const [path, token] of cases) {
    const [quick, reference] = [await answer(server.url, path, token), await answer(adapterUrl, path, token)];
    assert.deepEqual(quick, reference, `${path} (${token === undefined ? "no token" : "token"})`);
  }
});

test("what the quick path does not take is still tRPC's: several calls, bad JSON, other parameters, mutations", async () => {
  const cases: [string, RequestInit][] = [
    [`${GET},analysisTask.getDownloadUrl?batch=1&input=${input({ 0: { taskId: "q-ok" }, 1: { taskId: "nope" } })}`, {}],
    [`${GET}?input=%7Bnot-json`, {}],
    [`${GET}?input=${input({ taskId: "q-ok" })}&other=1`, {}],
    [`${GET}?batch=1&input=${input({ taskId: "q-ok" })}`, {}],
    [`${GET}`, {}],
    ["/trpc/analysisTask.put?input=%7B%7D", {}],
    ["/trpc/analysisTask.nothing?input=%7B%7D", {}],
    [`${GET}?batch=1&input=${input({ 0: { taskId: "q-ok" } })}`, { headers: { "trpc-accept": "application/jsonl" } }],
  ];
  for (const [path, init] of cases) {
    const headers = { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${alice}` };
    const [quick, reference] = await Promise.all(
      [server.url, adapterUrl].map(async (base) => {
        const res = await fetch(`${base}${path}`, { ...init, headers });
        return { status: res.status, body: steady(await res.text()) };
      }),
    );
    assert.deepEqual(quick, reference, path);
  }
});
