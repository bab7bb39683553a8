import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { DEMO_TASK_ID, DEMO_USER } from "../dev/seed_demo.ts";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

// Debian's chromium, driven by playwright-core: no browser is downloaded. CI installs it with apt (.ci/run).
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `chromium not found at ${CHROMIUM}: apt-get install chromium`;
// Swagger UI leaves out some online features when the document's URL names localhost or 127.0.0.1, so
// the page is opened under a name of its own, which the browser resolves to loopback, as it would be deployed.
const DOCS_HOST = "taskdl.test";
// Playwright adds --headless and a fresh temporary --user-data-dir of its own, and removes it on close.
const CHROMIUM_ARGS = [
  `--host-resolver-rules=MAP ${DOCS_HOST} 127.0.0.1`,
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const FIXTURES = fileURLToPath(new URL("../dev/fixtures/", import.meta.url));
const GET_OPERATION = "#operations-analysis_task-getDownloadUrl";
const PUT_OPERATION = "#operations-ingest-putTask";

let browser: Browser;
// Kept after the run, for a person to look at; each test prints its file's path.
const screenshots = mkdtempSync(join(tmpdir(), "taskdl-api-docs-"));

before(async () => {
  if (skip === false) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
after(() => browser?.close());

/** What a page did besides drawing: every request it made, and everything that went wrong in it. */
interface Watched {
  page: Page;
  requests: { url: string; method: string; authorization: string | undefined }[];
  problems: string[];
}

/** Opens a page in a fresh context, recording requests, console errors, page errors and CSP violations. */
async function watchedPage(): Promise<Watched> {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests: Watched["requests"] = [];
  const problems: string[] = [];
  // The context's event sees every request, of the page, its workers and any popup.
  context.on("request", (req) =>
    requests.push({ url: req.url(), method: req.method(), authorization: req.headers().authorization }),
  );
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  // A load the page's policy blocks never reaches the network; each is reported here as well.
  await page.exposeFunction("reportViolation", (text: string) => problems.push(`CSP: ${text}`));
  await page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (event) =>
      (globalThis as unknown as { reportViolation(text: string): void }).reportViolation(
        `${event.violatedDirective} blocked ${event.blockedURI}`,
      ),
    ),
  );
  return { page, requests, problems };
}

/** Authorizes with a token the way a person does: Authorize, paste, Authorize, Close. */
async function authorize(page: Page, token: string): Promise<void> {
  await page.locator(".auth-wrapper").getByRole("button", { name: "Authorize" }).click();
  await page.locator(".auth-container input").fill(token);
  await page.getByRole("button", { name: "Apply credentials" }).click();
  await page.getByRole("button", { name: "Close" }).click();
}

/** Opens "Get Download URL", tries it out for a task and returns the response body the page shows. */
async function tryGetDownloadUrl(page: Page, taskId: string): Promise<{ status: string; body: string }> {
  const operation = page.locator(GET_OPERATION);
  await operation.locator(".opblock-summary").click();
  await operation.getByRole("button", { name: "Try it out" }).click();
  await operation.locator('tr[data-param-name="taskId"] input').fill(taskId);
  await operation.getByRole("button", { name: "Execute" }).click();
  const answer = operation.locator(".live-responses-table tbody tr.response");
  await answer.waitFor();
  return {
    status: (await answer.locator(".response-col_status").innerText()).trim(),
    body: await answer.locator(".response-col_description .microlight").first().innerText(),
  };
}

/** Saves the page from its top down to the answer Try it out got, and names the file in the test's output. */
async function screenshot(t: TestContext, page: Page, name: string): Promise<void> {
  const path = join(screenshots, `${name}.png`);
  const answer = await page.locator(`${GET_OPERATION} .live-responses-table`).boundingBox();
  const scrollY = await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY);
  const height = answer === null ? 900 : Math.ceil(answer.y + scrollY + answer.height + 16);
  await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
  t.diagnostic(`screenshot: ${path}`);
}

function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === "data:" || protocol === "blob:") return true;
  return (
    hostname === DOCS_HOST || hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname)
  );
}

describe("/docs in a real browser", () => {
  let server: TestServer;
  before(async () => {
    if (skip === false) server = await startTestServer({ SEED_DEMO: "true" });
  });
  after(() => server?.close());

  test(
    "a person authorizes once, tries Get Download URL for the demo task and gets the envelope with working links",
    { skip, timeout: 90_000 },
    async (t) => {
      const { page, requests, problems } = await watchedPage();
      const token = server.token(DEMO_USER);
      const origin = server.url.replace("127.0.0.1", DOCS_HOST);
      await page.goto(`${origin}/docs`);

      const get = page.locator(GET_OPERATION);
      const put = page.locator(PUT_OPERATION);
      await get.waitFor();
      assert.match(await get.locator(".opblock-summary").innerText(), /GET\s*\/analysis\/task\/get\/Download\/url/);
      assert.match(await get.locator(".opblock-summary").innerText(), /Get Download URL/);
      assert.match(await put.locator(".opblock-summary").innerText(), /PUT\s*\/analysis\/task\/\{taskId\}/);

      await authorize(page, token);
      const { status, body } = await tryGetDownloadUrl(page, DEMO_TASK_ID);
      await screenshot(t, page, "get_download_url");

      assert.equal(status, "200");
      assert.match(body, /"code": 200/);
      assert.match(body, /"ndvi_result\.tif"/);
      assert.match(body, /"analysis_report\.pdf"/);
      // The token pasted in "Authorize" is what the request carried; the document's header parameter is not shown.
      const call = requests.find((req) => req.url.includes(`${ROUTES.getDownloadUrl.path}?`));
      assert.equal(call?.authorization, `Bearer ${token}`);
      assert.equal(await get.locator('tr[data-param-name="authorization"]').count(), 0);

      // The links on the page download the demo files, byte for byte.
      const envelope = JSON.parse(body) as { data: { downloadUrls: { fileName: string; downloadUrl: string }[] } };
      assert.deepEqual(
        envelope.data.downloadUrls.map((vo) => vo.fileName),
        ["ndvi_result.tif", "analysis_report.pdf"],
      );
      for (const { fileName, downloadUrl } of envelope.data.downloadUrls) {
        const res = await fetch(downloadUrl);
        assert.equal(res.status, 200, fileName);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(join(FIXTURES, fileName)), fileName);
      }

      assert.deepEqual(
        requests.filter((req) => !isLoopback(req.url)).map((req) => req.url),
        [],
        "requests outside loopback",
      );
      assert.ok(
        requests.some((req) => req.url === `${origin}/openapi.json`),
        "the page loads /openapi.json",
      );
      assert.deepEqual(problems, []);
      await page.context().close();
    },
  );
});

describe("/docs behind a proxy that adds a path prefix", () => {
  let server: TestServer;
  let proxy: Server | undefined;
  let proxyUrl: string;
  before(async () => {
    if (skip !== false) return;
    // Forwards /p/… to the service as /…, as a reverse proxy mounting it under /p does; nothing else.
    let upstream = "";
    const forwarding = createServer((req, res) => {
      if (!req.url?.startsWith("/p/")) return void res.writeHead(404).end();
      const forward = request(`${upstream}${req.url.slice(2)}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on("error", () => res.writeHead(502).end());
      req.pipe(forward);
    });
    proxy = forwarding;
    await new Promise<void>((resolve) => forwarding.listen(0, "127.0.0.1", resolve));
    proxyUrl = `http://127.0.0.1:${(forwarding.address() as AddressInfo).port}`;
    server = await startTestServer({ SEED_DEMO: "true", PUBLIC_BASE_URL: `${proxyUrl}/p` });
    upstream = server.url;
  });
  after(async () => {
    await server?.close();
    if (proxy === undefined) return;
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
  });

  test("the page, its document and Try it out stay under the prefix", { skip, timeout: 90_000 }, async (t) => {
    const { page, requests, problems } = await watchedPage();
    // With the trailing slash: the redirect to /docs must keep the prefix too.
    await page.goto(`${proxyUrl}/p/docs/`);
    assert.equal(page.url(), `${proxyUrl}/p/docs`);
    await page.locator(GET_OPERATION).waitFor();
    await authorize(page, server.token(DEMO_USER));
    const { status, body } = await tryGetDownloadUrl(page, DEMO_TASK_ID);
    await screenshot(t, page, "behind_prefix");

    assert.equal(status, "200");
    const envelope = JSON.parse(body) as { data: { downloadUrls: { downloadUrl: string }[] } };
    for (const { downloadUrl } of envelope.data.downloadUrls) {
      assert.ok(downloadUrl.startsWith(`${proxyUrl}/p/files/`), downloadUrl);
      assert.equal((await fetch(downloadUrl)).status, 200, downloadUrl);
    }
    assert.ok(requests.some((req) => req.url.startsWith(`${proxyUrl}/p${ROUTES.getDownloadUrl.path}?`)));
    assert.deepEqual(
      requests.filter((req) => !req.url.startsWith(`${proxyUrl}/p/`)).map((req) => req.url),
      [],
      "requests that left the prefix",
    );
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});
