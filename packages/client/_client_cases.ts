import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "@taskdl/testing";
import type { DownloadUrlClient } from "./create_rest_client.ts";
import type { TokenSource } from "./_answer.ts";
import { TaskdlError } from "./taskdl_error.ts";

/** Makes a client of one kind for a base URL and token. */
export type MakeClient = (options: { baseUrl: string; token?: TokenSource }) => DownloadUrlClient;

/**
 * The behaviour both clients share, run against the real service: the same
 * calls, the same answers, the same errors.
 */
export function describeClientCases(name: string, makeClient: MakeClient): void {
  describe(`${name} client`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
      const outputs = [
        { fileName: "ndvi_result.tif", storageKey: "c/1/ndvi_result.tif" },
        { fileName: "analysis_report.pdf", storageKey: "c/1/analysis_report.pdf" },
      ];
      for (const task of [
        { taskId: "c-ok", ownerId: "alice", status: "SUCCEEDED" as const, outputs },
        { taskId: "c-bob", ownerId: "bob", status: "SUCCEEDED" as const, outputs },
        { taskId: "c-run", ownerId: "alice", status: "RUNNING" as const, outputs: [] },
      ]) {
        assert.equal((await server.putTask(task)).status, 200);
      }
    });
    after(() => server.close());

    const client = (token?: TokenSource) =>
      makeClient({ baseUrl: server.url, ...(token === undefined ? {} : { token }) });

    async function rejectsWith(call: Promise<unknown>, code: number, message: string): Promise<void> {
      await assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof TaskdlError, String(error));
        assert.equal(error.code, code);
        assert.equal(error.message, message);
        if (code !== 0) assert.deepEqual(error.envelope, { code, message, data: null });
        return true;
      });
    }

    test("getStacItem returns the task's STAC Item, its assets the download URLs; errors as the envelope", async () => {
      const item = await client(server.token("alice")).getStacItem("c-ok", { expiresIn: 120 });
      assert.equal(item.id, "c-ok");
      assert.deepEqual(Object.keys(item.assets), ["ndvi_result.tif", "analysis_report.pdf"]);
      const lifetime = (Date.parse(item.properties.expires) - Date.now()) / 1000;
      assert.ok(lifetime > 110 && lifetime <= 122, String(lifetime));
      assert.equal(
        await (await fetch(item.assets["analysis_report.pdf"]?.href ?? "")).text(),
        "content of analysis_report.pdf",
      );
      const self = item.links.find((link) => link.rel === "self")?.href ?? "";
      assert.deepEqual(await (await fetch(self)).json(), item);
      await rejectsWith(client(server.token("alice")).getStacItem("c-bob"), 404, "Task not found");
      await rejectsWith(
        client(server.token("alice")).getStacItem("c-run"),
        400,
        "Request parameter error: task c-run has not finished (status RUNNING)",
      );
    });

    test("getDownloadUrls returns the task's URLs, which download the files", async () => {
      const resp = await client(server.token("alice")).getDownloadUrls("c-ok", { expiresIn: 120 });
      assert.deepEqual(
        resp.downloadUrls.map((vo) => vo.fileName),
        ["ndvi_result.tif", "analysis_report.pdf"],
      );
      assert.equal(
        resp.totalSize,
        resp.downloadUrls.reduce((sum, vo) => sum + vo.fileSize, 0),
      );
      const lifetime = (Date.parse(resp.downloadUrls[0]?.expiresAt ?? "") - Date.now()) / 1000;
      assert.ok(lifetime > 110 && lifetime <= 122, String(lifetime));
      for (const vo of resp.downloadUrls)
        assert.equal(await (await fetch(vo.downloadUrl)).text(), `content of ${vo.fileName}`);
    });

    test("takes the token from a function on every call", async () => {
      let calls = 0;
      const taskdl = client(() => {
        calls++;
        return server.token("alice");
      });
      await taskdl.getDownloadUrls("c-ok");
      await taskdl.getDownloadUrls("c-ok");
      assert.equal(calls, 2);
    });

    test("a missing or foreign task throws TaskdlError 404 Task not found", async () => {
      await rejectsWith(client(server.token("alice")).getDownloadUrls("c-none"), 404, "Task not found");
      await rejectsWith(client(server.token("alice")).getDownloadUrls("c-bob"), 404, "Task not found");
    });

    test("an unfinished task and a bad id throw TaskdlError 400 with the reason", async () => {
      const taskdl = client(server.token("alice"));
      await rejectsWith(
        taskdl.getDownloadUrls("c-run"),
        400,
        "Request parameter error: task c-run has not finished (status RUNNING)",
      );
      await rejectsWith(
        taskdl.getDownloadUrls("a/b"),
        400,
        "Request parameter error: taskId must be 1–64 characters of A–Z a–z 0–9 _ -",
      );
    });

    test("no token or a bad token throws TaskdlError 401", async () => {
      await rejectsWith(client().getDownloadUrls("c-ok"), 401, "Unauthorized: missing token");
      await rejectsWith(
        client("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.bad").getDownloadUrls("c-ok"),
        401,
        "Unauthorized: invalid token",
      );
    });

    test("putTask records a task; without tasks:write it throws 403", async () => {
      await server.putObject("c/2/out.csv", "a,b\n");
      const task = {
        taskId: "c-new",
        ownerId: "alice",
        status: "SUCCEEDED" as const,
        outputs: [{ fileName: "out.csv", storageKey: "c/2/out.csv" }],
      };
      const resp = await client(server.token("pipeline", { scope: "tasks:write" })).putTask(task);
      // The service hashes an output that comes without sha256.
      const sha256 = createHash("sha256").update("a,b\n").digest("hex");
      assert.deepEqual(resp.outputs, [{ fileName: "out.csv", fileSize: 4, contentType: "text/csv", sha256 }]);
      await rejectsWith(client(server.token("alice")).putTask(task), 403, "Forbidden: token lacks scope tasks:write");
    });

    test("an unreachable service throws TaskdlError 0", async () => {
      const taskdl = makeClient({ baseUrl: "http://127.0.0.1:9", token: "x.y.z" });
      await assert.rejects(
        taskdl.getDownloadUrls("c-ok"),
        (error: unknown) => error instanceof TaskdlError && error.code === 0,
      );
    });
  });
}
