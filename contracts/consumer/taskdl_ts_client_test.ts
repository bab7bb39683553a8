import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { MatchersV3, PactV4 } from "@pact-foundation/pact";
import { createTaskdlClient, TaskdlError } from "@taskdl/client";
import { ROUTES } from "@taskdl/contract";
import {
  bearer,
  failure,
  JSON_CONTENT,
  PACT_DIR,
  PROVIDER,
  removeOldPact,
  STATES,
  TOKENS,
  TWO_FILES,
} from "./_expectations.ts";

const CONSUMER = "taskdl-ts-client";
// A tRPC query: GET /trpc/<procedure>, the procedure the REST route serves too.
const PATH = `/trpc/${ROUTES.getDownloadUrl.procedure}`;
const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: "warn" });

before(() => removeOldPact(CONSUMER));

/** tRPC sends the input as JSON in the `input` query parameter. */
const input = (value: unknown) => ({ input: JSON.stringify(value) });

async function rejectsWith(call: Promise<unknown>, code: number, message: string): Promise<void> {
  await assert.rejects(
    call,
    (error: unknown) => error instanceof TaskdlError && error.code === code && error.message === message,
  );
}

describe(`${CONSUMER} → ${PROVIDER}`, () => {
  test("download URLs of a finished task with two files", async () => {
    await pact
      .addInteraction()
      .given(STATES.twoFiles)
      .uponReceiving("a tRPC query for the download URLs of task 12345")
      .withRequest("GET", PATH, (req) => req.query(input({ taskId: "12345" })).headers(bearer(TOKENS.alice)))
      .willRespondWith(200, (res) => res.headers(JSON_CONTENT).jsonBody({ result: { data: TWO_FILES } }))
      .executeTest(async (mock) => {
        const resp = await createTaskdlClient({ baseUrl: mock.url, token: TOKENS.alice }).getDownloadUrls("12345");
        assert.deepEqual(
          resp.downloadUrls.map((vo) => vo.fileName),
          ["ndvi_result.tif", "analysis_report.pdf"],
        );
      });
  });

  const failures: [string, string | undefined, string, string | undefined, number, string][] = [
    ["a tRPC query for a task that does not exist", STATES.missing, "99999", TOKENS.alice, 404, "Task not found"],
    ["a tRPC query for another user's task", STATES.foreign, "77777", TOKENS.alice, 404, "Task not found"],
    [
      "a tRPC query for a task that is still running",
      STATES.running,
      "55555",
      TOKENS.alice,
      400,
      "Request parameter error: task 55555 has not finished (status RUNNING)",
    ],
    ["a tRPC query without a token", undefined, "12345", undefined, 401, "Unauthorized: missing token"],
    [
      "a tRPC query with a token signed by someone else",
      undefined,
      "12345",
      TOKENS.invalid,
      401,
      "Unauthorized: invalid token",
    ],
  ];
  for (const [description, state, taskId, token, code, message] of failures) {
    test(description, async () => {
      let interaction = pact.addInteraction();
      if (state !== undefined) interaction = interaction.given(state);
      await interaction
        .uponReceiving(description)
        .withRequest("GET", PATH, (req) => {
          req.query(input({ taskId }));
          if (token !== undefined)
            req.headers(token === TOKENS.invalid ? { Authorization: `Bearer ${token}` } : bearer(token));
        })
        .willRespondWith(code, (res) => {
          const headers: Record<string, unknown> = { ...JSON_CONTENT };
          if (code === 401) headers["WWW-Authenticate"] = MatchersV3.regex(/^Bearer( .*)?$/, 'Bearer realm="taskdl"');
          res.headers(headers as typeof JSON_CONTENT).jsonBody({ error: failure(code, message) });
        })
        .executeTest(async (mock) => {
          const client = createTaskdlClient({ baseUrl: mock.url, ...(token === undefined ? {} : { token }) });
          await rejectsWith(client.getDownloadUrls(taskId), code, message);
        });
    });
  }

  test("a tRPC query without taskId", async () => {
    await pact
      .addInteraction()
      .uponReceiving("a tRPC query without taskId")
      .withRequest("GET", PATH, (req) => req.query(input({})).headers(bearer(TOKENS.alice)))
      .willRespondWith(400, (res) =>
        res.headers(JSON_CONTENT).jsonBody({ error: failure(400, "Request parameter error: taskId is required") }),
      )
      .executeTest(async (mock) => {
        const client = createTaskdlClient({ baseUrl: mock.url, token: TOKENS.alice });
        // The typed call cannot leave taskId out; the raw tRPC client can.
        await assert.rejects(client.trpc.analysisTask.getDownloadUrl.query({} as { taskId: string }));
      });
  });
});
