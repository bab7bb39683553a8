// The scripts in examples/ (Python, shell) against the real service, and
// against a hostile stand-in for it: a local HTTP server that answers what the
// real service refuses to record, since the point is how a client treats
// untrusted answers.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

const EXAMPLES = fileURLToPath(new URL("../examples/", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../packages/server/dev/fixtures/", import.meta.url));

/** Each example, as its README says to run it. */
const SCRIPTS = [
  { name: "python", command: "python3", script: join(EXAMPLES, "python", "download_task.py") },
  { name: "shell", command: "bash", script: join(EXAMPLES, "shell", "download_task.sh") },
] as const;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script as a child process (asynchronously: the service answers from this process). */
function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  const { TASKDL_URL: _url, TASKDL_TOKEN: _token, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...inherited, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const TIF = readFileSync(join(FIXTURES, "ndvi_result.tif"));
const UNICODE_NAME = "résumé 2026 – 東京.txt";
const UNICODE_BYTES = Buffer.from("Grüße aus Tōkyō\n", "utf8");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("examples against the real service", () => {
  let server: TestServer;
  let scratch: string;
  before(async () => {
    server = await startTestServer();
    scratch = mkdtempSync(join(tmpdir(), "taskdl-examples-"));
    await server.putObject("runs/ex/ndvi_result.tif", TIF);
    await server.putObject("runs/ex/resume.txt", UNICODE_BYTES);
    await server.putObject("runs/ex/empty.csv", "");
    const tasks = [
      {
        taskId: "ex-ok",
        ownerId: "alice",
        status: "SUCCEEDED" as const,
        outputs: [
          { fileName: "ndvi_result.tif", storageKey: "runs/ex/ndvi_result.tif", sha256: sha256(TIF) },
          { fileName: UNICODE_NAME, storageKey: "runs/ex/resume.txt" },
          { fileName: "empty.csv", storageKey: "runs/ex/empty.csv" },
        ],
      },
      // The pipeline recorded a hash the bytes do not have: the client must notice.
      {
        taskId: "ex-bad-hash",
        ownerId: "alice",
        status: "SUCCEEDED" as const,
        outputs: [{ fileName: "ndvi_result.tif", storageKey: "runs/ex/ndvi_result.tif", sha256: "0".repeat(64) }],
      },
      { taskId: "ex-bob", ownerId: "bob", status: "SUCCEEDED" as const, outputs: [] },
      { taskId: "ex-running", ownerId: "alice", status: "RUNNING" as const, outputs: [] },
    ];
    for (const task of tasks) {
      const res = await server.putTask(task, { createObjects: false });
      assert.equal(res.status, 200, await res.text());
    }
  });
  after(async () => {
    await server?.close();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  test("ingest refuses file names that would leave a download folder, so only a hostile API can send them", async () => {
    for (const fileName of ["../evil", "..", ".", "a/b", "a\\b", "nul\u0000byte", "line\nbreak"]) {
      const res = await server.putTask(
        {
          taskId: "ex-hostile",
          ownerId: "alice",
          status: "SUCCEEDED",
          outputs: [{ fileName, storageKey: "runs/ex/ndvi_result.tif" }],
        },
        { createObjects: false },
      );
      const body = (await res.json()) as { code: number; message: string };
      assert.equal(res.status, 400, JSON.stringify(fileName));
      assert.match(body.message, /^Request parameter error: .*fileName/, JSON.stringify(fileName));
    }
    const res = await server.get(`${ROUTES.getDownloadUrl.path}?taskId=ex-hostile`, server.token("alice"));
    assert.equal(res.status, 404, "nothing was recorded");
  });

  for (const { name, command, script } of SCRIPTS) {
    describe(`${name} example`, () => {
      const env = (token?: string) => ({
        TASKDL_URL: server.url,
        ...(token === undefined ? {} : { TASKDL_TOKEN: token }),
      });

      test("lists the files, downloads each byte for byte, and prints neither the token nor a signed URL", async () => {
        const token = server.token("alice");
        const folder = join(scratch, name, "ok");
        const result = await run(command, [script, "ex-ok", folder], env(token));
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(readFileSync(join(folder, "ndvi_result.tif")), TIF);
        assert.deepEqual(readFileSync(join(folder, UNICODE_NAME)), UNICODE_BYTES);
        assert.equal(readFileSync(join(folder, "empty.csv")).length, 0);
        assert.deepEqual(readdirSync(folder).sort(), ["empty.csv", "ndvi_result.tif", UNICODE_NAME].sort());
        const total = TIF.length + UNICODE_BYTES.length;
        assert.match(result.stdout, new RegExp(`^task ex-ok: 3 files, ${total} bytes$`, "m"));
        assert.match(result.stdout, new RegExp(`^ +${TIF.length}  ndvi_result\\.tif$`, "m"));
        assert.match(result.stdout, new RegExp(`^ +${UNICODE_BYTES.length}  ${UNICODE_NAME}$`, "m"));
        assert.match(result.stdout, /^saved .*ndvi_result\.tif \(16696 bytes, SHA-256 checked\)$/m);
        // Ingest hashed the outputs recorded without sha256, so every file is checked, the empty one too.
        assert.match(result.stdout, /^saved .*empty\.csv \(0 bytes, SHA-256 checked\)$/m);
        for (const output of [result.stdout, result.stderr]) {
          assert.ok(!output.includes(token), "the token is not printed");
          assert.doesNotMatch(output, /sig=|\/files\//, "no signed URL is printed");
        }
      });

      test("writes into the current folder when none is given", async () => {
        const folder = mkdtempSync(join(scratch, `${name}-cwd-`));
        const result = await new Promise<Run>((resolve, reject) => {
          const child = spawn(command, [script, "ex-ok"], {
            cwd: folder,
            env: { ...process.env, ...env(server.token("alice")) },
            stdio: ["ignore", "pipe", "pipe"],
          });
          let stderr = "";
          child.stderr.on("data", (chunk) => (stderr += chunk));
          child.once("error", reject);
          child.once("close", (status) => resolve({ status, stdout: "", stderr }));
        });
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(readFileSync(join(folder, UNICODE_NAME)), UNICODE_BYTES);
      });

      test("an unknown task, someone else's task, an unfinished task and a bad token exit 1 with the envelope's message", async () => {
        const cases = [
          ["ex-none", server.token("alice"), "Task not found (404)"],
          ["ex-bob", server.token("alice"), "Task not found (404)"],
          [
            "ex-running",
            server.token("alice"),
            "Request parameter error: task ex-running has not finished (status RUNNING) (400)",
          ],
          ["ex-ok", "not-a-token", /^Unauthorized(: .*)? \(401\)$/],
          ["bad id", server.token("alice"), /^Request parameter error: taskId .* \(400\)$/],
        ] as const;
        for (const [taskId, token, message] of cases) {
          const folder = join(scratch, name, "error", taskId);
          const result = await run(command, [script, taskId, folder], env(token));
          assert.equal(result.status, 1, `${taskId}: ${result.stderr}`);
          const line = result.stderr.trim().replace(/^download_task(\.sh)?: /, "");
          if (typeof message === "string") assert.equal(line, message);
          else assert.match(line, message);
          assert.equal(result.stdout, "", "nothing listed");
          assert.ok(!existsSync(folder), "nothing written");
        }
      });

      test("a file whose bytes do not match the answer's sha256 is refused and not kept", async () => {
        const folder = join(scratch, name, "bad-hash");
        const result = await run(command, [script, "ex-bad-hash", folder], env(server.token("alice")));
        assert.equal(result.status, 1, result.stdout);
        assert.match(
          result.stderr,
          new RegExp(`ndvi_result\\.tif: SHA-256 ${sha256(TIF)} differs from the answer's 0{64}`),
        );
        assert.deepEqual(readdirSync(folder), [], "neither the file nor a partial download is left");
      });

      test("without TASKDL_TOKEN or a task id it explains its usage and exits 2", async () => {
        const noToken = await run(command, [script, "ex-ok"], env());
        assert.equal(noToken.status, 2);
        assert.match(noToken.stderr, /TASKDL_TOKEN is required/);
        const noTask = await run(command, [script], env(server.token("alice")));
        assert.equal(noTask.status, 2);
      });
    });
  }
});

/** What the stand-in answers: the envelope's entries, and the bytes each file link serves. */
interface HostileFile {
  fileName: string;
  fileSize: number;
  sha256?: string;
  /** What the file's link answers; unset: the link is not served (a test double's own URL, e.g. file://). */
  serve?: { status: number; body: Buffer };
  /** A download URL of the test's choosing instead of one on the stand-in. */
  downloadUrl?: string;
}

/**
 * A stand-in for a hostile taskdl on 127.0.0.1: answers one task with the
 * given entries (or, with `page`, a page that is not the envelope), and
 * records downloads.
 */
async function startHostileApi(files: HostileFile[], page?: { status: number; body: string }) {
  const downloads: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    if (url.pathname === ROUTES.getDownloadUrl.path && page !== undefined) {
      res.writeHead(page.status, { "Content-Type": "text/html" });
      res.end(page.body);
      return;
    }
    if (url.pathname === ROUTES.getDownloadUrl.path) {
      const { port } = server.address() as AddressInfo;
      const downloadUrls = files.map((file, index) => ({
        fileName: file.fileName,
        downloadUrl: file.downloadUrl ?? `http://127.0.0.1:${port}/f/${index}?sig=SECRET-SIGNATURE`,
        fileSize: file.fileSize,
        expiresAt: "2030-01-01T00:00:00Z",
        ...(file.sha256 === undefined ? {} : { sha256: file.sha256 }),
      }));
      const totalSize = files.reduce((sum, file) => sum + file.fileSize, 0);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ code: 200, message: "success", data: { taskId: "1", downloadUrls, totalSize } }));
      return;
    }
    const file = files[Number(url.pathname.slice("/f/".length))];
    downloads.push(req.headers);
    res.writeHead(file?.serve?.status ?? 404);
    res.end(file?.serve?.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    downloads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("examples against a hostile API", () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), "taskdl-examples-hostile-"));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const ok = (body: string) => ({ status: 200, body: Buffer.from(body) });

  for (const { name, command, script } of SCRIPTS) {
    describe(`${name} example`, () => {
      /** Runs the script against a stand-in answering `files`, in a folder of its own inside a fresh scratch folder. */
      async function against(files: HostileFile[], page?: { status: number; body: string }) {
        const api = await startHostileApi(files, page);
        const root = mkdtempSync(join(scratch, `${name}-`));
        const folder = join(root, "downloads");
        try {
          const result = await run(command, [script, "1", folder], { TASKDL_URL: api.url, TASKDL_TOKEN: "t0ken" });
          return { result, root, folder, downloads: api.downloads };
        } finally {
          await api.close();
        }
      }

      const hostileNames = [
        ["../evil", /it contains a path separator/],
        ["..", /it contains "\.\."/],
        ["a..b", /it contains "\.\."/],
        ["sub/evil", /it contains a path separator/],
        ["..\\evil", /it contains (a path separator|"\.\.")/],
        ["nul\u0000byte", /it contains a control character/],
        ["escape\u001b[31mred", /it contains a control character/],
        [".bashrc", /it starts with a dot/],
        ["...", /it contains "\.\."/],
        ["", /it is empty/],
      ] as const;
      for (const [fileName, reason] of hostileNames) {
        test(`refuses the file name ${JSON.stringify(fileName)} before downloading or writing anything`, async () => {
          const { result, root, downloads } = await against([
            { fileName: "fine.txt", fileSize: 2, serve: ok("ok") },
            { fileName, fileSize: 4, serve: ok("evil") },
          ]);
          assert.equal(result.status, 1, result.stdout);
          assert.match(result.stderr, /refusing file name/);
          assert.match(result.stderr, reason);
          assert.equal(downloads.length, 0, "nothing downloaded");
          assert.deepEqual(readdirSync(root), [], "no folder, no file");
          assert.ok(!existsSync(join(root, "evil")) && !existsSync(join(scratch, "evil")));
        });
      }

      test("an answer that is not the envelope (a proxy's error page) exits 1 naming the HTTP status", async () => {
        const { result, root } = await against([], { status: 502, body: "<html><h1>502 Bad Gateway</h1></html>" });
        assert.equal(result.status, 1);
        assert.match(result.stderr, /HTTP 502: the answer is not taskdl's JSON envelope/);
        assert.deepEqual(readdirSync(root), []);
      });

      test("a service that cannot be reached exits 1 saying so", async () => {
        const api = await startHostileApi([]);
        await api.close(); // its port is free now: nothing listens there
        const result = await run(command, [script, "1", join(scratch, `${name}-unreachable`)], {
          TASKDL_URL: api.url,
          TASKDL_TOKEN: "t0ken",
        });
        assert.equal(result.status, 1);
        assert.match(result.stderr, new RegExp(`cannot reach ${api.url}`));
        assert.ok(!existsSync(join(scratch, `${name}-unreachable`)));
      });

      test("refuses a name listed twice", async () => {
        const { result, root } = await against([
          { fileName: "a.txt", fileSize: 1, serve: ok("a") },
          { fileName: "a.txt", fileSize: 1, serve: ok("b") },
        ]);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /refusing file name .*a\.txt.*: it is listed twice/);
        assert.deepEqual(readdirSync(root), []);
      });

      test("refuses a download URL that is not http or https (a file:// URL would read this machine's files)", async () => {
        const { result, root } = await against([
          { fileName: "passwd", fileSize: 1, downloadUrl: "file:///etc/passwd" },
        ]);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /passwd: the download URL is not an http or https URL/);
        assert.deepEqual(readdirSync(root), []);
      });

      test("a file shorter than its fileSize is refused and not kept", async () => {
        const { result, folder } = await against([{ fileName: "short.bin", fileSize: 10, serve: ok("12345") }]);
        assert.equal(result.status, 1, result.stdout);
        assert.match(result.stderr, /short\.bin: received 5 bytes, the answer said 10/);
        assert.deepEqual(readdirSync(folder), [], "neither the file nor a partial download is left");
      });

      test("a failing link is reported by status, without the signed URL; the token is never sent to download links", async () => {
        const { result, downloads } = await against([
          { fileName: "first.txt", fileSize: 5, serve: ok("first") },
          { fileName: "gone.txt", fileSize: 4, serve: { status: 410, body: Buffer.from("Gone") } },
        ]);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /gone\.txt: the download link answered HTTP 410/);
        for (const output of [result.stdout, result.stderr]) {
          assert.doesNotMatch(output, /SECRET-SIGNATURE|t0ken/);
        }
        assert.equal(downloads.length, 2);
        for (const headers of downloads) assert.equal(headers.authorization, undefined);
      });
    });
  }
});
