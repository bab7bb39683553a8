import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { MatchersV3, PactV4 } from "@pact-foundation/pact";
// The entry @taskdl/client publishes.
import { createRestClient, TaskdlError } from "@taskdl/client/rest";
import { ROUTES, routePath } from "@taskdl/contract";
import {
  bearer,
  failure,
  JSON_CONTENT,
  PACT_DIR,
  PROVIDER,
  GEO_JSON_CONTENT,
  RECORDED_TASK,
  STAC_ITEM_12345,
  removeOldPact,
  STATES,
  TASK_777,
  TOKENS,
  TWO_FILES,
} from "./_expectations.ts";

const CONSUMER = "taskdl-rest-client";
const DOWNLOAD = ROUTES.getDownloadUrl;
const PATH = routePath(DOWNLOAD, {});
const PUT = ROUTES.putTask;
const PUT_777 = routePath(PUT, { taskId: "777" });
const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: "warn" });

before(() => removeOldPact(CONSUMER));

async function rejectsWith(call: Promise<unknown>, code: number, message: string): Promise<void> {
  await assert.rejects(
    call,
    (error: unknown) => error instanceof TaskdlError && error.code === code && error.message === message,
  );
}

describe(`${CONSUMER} → ${PROVIDER}`, () => {
  test("the STAC Item of a finished task with a georeferenced raster and a report", async () => {
    const route = ROUTES.getStacItem;
    await pact
      .addInteraction()
      .given(STATES.georeferenced)
      .uponReceiving("a REST request for the STAC Item of task 12345")
      .withRequest(route.method, routePath(route, { taskId: "12345" }), (req) => req.headers(bearer(TOKENS.alice)))
      .willRespondWith(200, (res) => res.headers(GEO_JSON_CONTENT).jsonBody(STAC_ITEM_12345))
      .executeTest(async (mock) => {
        const item = await createRestClient({ baseUrl: mock.url, token: TOKENS.alice }).getStacItem("12345");
        assert.equal(item.id, "12345");
        // Pact's mock server sorts an object's keys; the recorded order is the service's own tests' matter.
        assert.deepEqual(Object.keys(item.assets).sort(), ["analysis_report.pdf", "ndvi_result.tif"]);
        assert.equal(item.assets["ndvi_result.tif"]?.["proj:code"], "EPSG:4326");
      });
  });

  test("the STAC Item of another user's task answers like a missing one", async () => {
    const route = ROUTES.getStacItem;
    await pact
      .addInteraction()
      .given(STATES.foreign)
      .uponReceiving("a REST request for the STAC Item of another user's task")
      .withRequest(route.method, routePath(route, { taskId: "77777" }), (req) => req.headers(bearer(TOKENS.alice)))
      .willRespondWith(404, (res) => res.headers(JSON_CONTENT).jsonBody(failure(404, "Task not found")))
      .executeTest(async (mock) => {
        await rejectsWith(
          createRestClient({ baseUrl: mock.url, token: TOKENS.alice }).getStacItem("77777"),
          404,
          "Task not found",
        );
      });
  });

  test("download URLs of a finished task with two files", async () => {
    await pact
      .addInteraction()
      .given(STATES.twoFiles)
      .uponReceiving("a REST request for the download URLs of task 12345")
      .withRequest(DOWNLOAD.method, PATH, (req) => req.query({ taskId: "12345" }).headers(bearer(TOKENS.alice)))
      .willRespondWith(200, (res) => res.headers({ ...JSON_CONTENT, "Cache-Control": "no-store" }).jsonBody(TWO_FILES))
      .executeTest(async (mock) => {
        const resp = await createRestClient({ baseUrl: mock.url, token: TOKENS.alice }).getDownloadUrls("12345");
        assert.deepEqual(
          resp.downloadUrls.map((vo) => vo.fileName),
          ["ndvi_result.tif", "analysis_report.pdf"],
        );
        assert.equal(resp.totalSize, 662000);
      });
  });

  test("a task that does not exist", async () => {
    await pact
      .addInteraction()
      .given(STATES.missing)
      .uponReceiving("a REST request for a task that does not exist")
      .withRequest(DOWNLOAD.method, PATH, (req) => req.query({ taskId: "99999" }).headers(bearer(TOKENS.alice)))
      .willRespondWith(404, (res) => res.headers(JSON_CONTENT).jsonBody(failure(404, "Task not found")))
      .executeTest(async (mock) => {
        await rejectsWith(
          createRestClient({ baseUrl: mock.url, token: TOKENS.alice }).getDownloadUrls("99999"),
          404,
          "Task not found",
        );
      });
  });

  test("another user's task answers like a missing one", async () => {
    await pact
      .addInteraction()
      .given(STATES.foreign)
      .uponReceiving("a REST request for another user's task")
      .withRequest(DOWNLOAD.method, PATH, (req) => req.query({ taskId: "77777" }).headers(bearer(TOKENS.alice)))
      .willRespondWith(404, (res) => res.headers(JSON_CONTENT).jsonBody(failure(404, "Task not found")))
      .executeTest(async (mock) => {
        await rejectsWith(
          createRestClient({ baseUrl: mock.url, token: TOKENS.alice }).getDownloadUrls("77777"),
          404,
          "Task not found",
        );
      });
  });

  test("a request without taskId", async () => {
    await pact
      .addInteraction()
      .uponReceiving("a REST request without taskId")
      .withRequest(DOWNLOAD.method, PATH, (req) => req.headers(bearer(TOKENS.alice)))
      .willRespondWith(400, (res) =>
        res.headers(JSON_CONTENT).jsonBody(failure(400, "Request parameter error: taskId is required")),
      )
      .executeTest(async (mock) => {
        // The client always sends taskId; this is what a hand-written client that forgets it gets.
        const res = await fetch(`${mock.url}${PATH}`, { headers: { Authorization: `Bearer ${TOKENS.alice}` } });
        assert.equal(res.status, 400);
      });
  });

  test("a task that has not finished", async () => {
    await pact
      .addInteraction()
      .given(STATES.running)
      .uponReceiving("a REST request for a task that is still running")
      .withRequest(DOWNLOAD.method, PATH, (req) => req.query({ taskId: "55555" }).headers(bearer(TOKENS.alice)))
      .willRespondWith(400, (res) =>
        res
          .headers(JSON_CONTENT)
          .jsonBody(failure(400, "Request parameter error: task 55555 has not finished (status RUNNING)")),
      )
      .executeTest(async (mock) => {
        await rejectsWith(
          createRestClient({ baseUrl: mock.url, token: TOKENS.alice }).getDownloadUrls("55555"),
          400,
          "Request parameter error: task 55555 has not finished (status RUNNING)",
        );
      });
  });

  test("the stable path of a file, followed, downloads the file", async () => {
    // The 302 itself is the answer a client follows; the Pact verifier follows redirects too (it has no switch
    // to stop), so the contract is what the client ends with: the file. http/file_link_api_test.ts and the
    // OpenAPI document (checked against the 302 by the provider's validating proxy) pin the redirect.
    const path = routePath(ROUTES.getFile, { taskId: "12345", fileName: "ndvi_result.tif" });
    await pact
      .addInteraction()
      .given(STATES.twoFiles)
      .uponReceiving("a REST request for the stable path of ndvi_result.tif of task 12345, redirect followed")
      .withRequest(ROUTES.getFile.method, path, (req) => req.headers(bearer(TOKENS.alice)))
      .willRespondWith(200, (res) =>
        res.headers({
          "Content-Type": "image/tiff",
          "Content-Disposition": MatchersV3.regex(
            /^attachment; filename="ndvi_result\.tif"; filename\*=UTF-8''ndvi_result\.tif$/,
            `attachment; filename="ndvi_result.tif"; filename*=UTF-8''ndvi_result.tif`,
          ),
        }),
      )
      .executeTest(async (mock) => {
        const res = await fetch(`${mock.url}${path}`, {
          headers: { Authorization: `Bearer ${TOKENS.alice}` },
          redirect: "follow",
        });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), "image/tiff");
        await res.arrayBuffer();
      });
  });

  test("the stable path of a file the task does not have", async () => {
    const path = routePath(ROUTES.getFile, { taskId: "12345", fileName: "missing.tif" });
    await pact
      .addInteraction()
      .given(STATES.twoFiles)
      .uponReceiving("a REST request for the stable path of a file task 12345 does not have")
      .withRequest(ROUTES.getFile.method, path, (req) => req.headers(bearer(TOKENS.alice)))
      .willRespondWith(404, (res) => res.headers(JSON_CONTENT).jsonBody(failure(404, "File not found")))
      .executeTest(async (mock) => {
        const res = await fetch(`${mock.url}${path}`, { headers: { Authorization: `Bearer ${TOKENS.alice}` } });
        assert.equal(res.status, 404);
        assert.equal(((await res.json()) as { message: string }).message, "File not found");
      });
  });

  test("a task that has not finished within the wait", async () => {
    await pact
      .addInteraction()
      .given(STATES.running)
      .uponReceiving("a REST request that waits 1 s for a task that is still running")
      .withRequest(DOWNLOAD.method, PATH, (req) =>
        req.query({ taskId: "55555", wait: "1" }).headers(bearer(TOKENS.alice)),
      )
      .willRespondWith(400, (res) =>
        res
          .headers(JSON_CONTENT)
          .jsonBody(failure(400, "Request parameter error: task 55555 has not finished (status RUNNING)")),
      )
      .executeTest(async (mock) => {
        const res = await fetch(`${mock.url}${PATH}?taskId=55555&wait=1`, {
          headers: { Authorization: `Bearer ${TOKENS.alice}` },
        });
        assert.equal(res.status, 400);
      });
  });

  test("a request without a token", async () => {
    await pact
      .addInteraction()
      .uponReceiving("a REST request without a token")
      .withRequest(DOWNLOAD.method, PATH, (req) => req.query({ taskId: "12345" }))
      .willRespondWith(401, (res) =>
        res
          .headers({ ...JSON_CONTENT, "WWW-Authenticate": MatchersV3.regex(/^Bearer( .*)?$/, 'Bearer realm="taskdl"') })
          .jsonBody(failure(401, "Unauthorized: missing token")),
      )
      .executeTest(async (mock) => {
        await rejectsWith(
          createRestClient({ baseUrl: mock.url }).getDownloadUrls("12345"),
          401,
          "Unauthorized: missing token",
        );
      });
  });

  test("a request with an invalid token", async () => {
    await pact
      .addInteraction()
      .uponReceiving("a REST request with a token signed by someone else")
      .withRequest(DOWNLOAD.method, PATH, (req) =>
        req.query({ taskId: "12345" }).headers({ Authorization: `Bearer ${TOKENS.invalid}` }),
      )
      .willRespondWith(401, (res) =>
        res
          .headers({
            ...JSON_CONTENT,
            "WWW-Authenticate": MatchersV3.regex(
              /^Bearer .*error="invalid_token".*$/,
              'Bearer realm="taskdl", error="invalid_token"',
            ),
          })
          .jsonBody(failure(401, "Unauthorized: invalid token")),
      )
      .executeTest(async (mock) => {
        await rejectsWith(
          createRestClient({ baseUrl: mock.url, token: TOKENS.invalid }).getDownloadUrls("12345"),
          401,
          "Unauthorized: invalid token",
        );
      });
  });

  test("recording a task", async () => {
    const { taskId: _taskId, ...body } = TASK_777;
    await pact
      .addInteraction()
      .given(STATES.stored)
      .uponReceiving("a REST request to record task 777")
      .withRequest(PUT.method, PUT_777, (req) =>
        req.headers({ ...bearer(TOKENS.pipeline), "Content-Type": "application/json" }).jsonBody(body),
      )
      .willRespondWith(200, (res) => res.headers(JSON_CONTENT).jsonBody(RECORDED_TASK))
      .executeTest(async (mock) => {
        const resp = await createRestClient({ baseUrl: mock.url, token: TOKENS.pipeline }).putTask(TASK_777);
        assert.equal(resp.totalSize, 6);
      });
  });

  test("recording a task without the tasks:write scope", async () => {
    const { taskId: _taskId, ...body } = TASK_777;
    await pact
      .addInteraction()
      .given(STATES.stored)
      .uponReceiving("a REST request to record a task with a token that lacks tasks:write")
      .withRequest(PUT.method, PUT_777, (req) =>
        req.headers({ ...bearer(TOKENS.alice), "Content-Type": "application/json" }).jsonBody(body),
      )
      .willRespondWith(403, (res) =>
        res.headers(JSON_CONTENT).jsonBody(failure(403, "Forbidden: token lacks scope tasks:write")),
      )
      .executeTest(async (mock) => {
        await rejectsWith(
          createRestClient({ baseUrl: mock.url, token: TOKENS.alice }).putTask(TASK_777),
          403,
          "Forbidden: token lacks scope tasks:write",
        );
      });
  });
});
