import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./demo/fixtures/", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "taskdl-main-"));
chmodSync(dataDir, 0o755);
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** The service's environment as a new user has it: nothing but where to keep data and a free port. */
function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [MAIN], { env: { ...inherited, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout?.on("data", (chunk) => (text += chunk));
  child.stderr?.on("data", (chunk) => (text += chunk));
  return { child, output: () => text };
}

async function waitFor(
  pattern: RegExp,
  output: () => string,
  child: ChildProcess,
  ms = 90_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const match = pattern.exec(output());
    if (match !== null) return match;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`did not print ${pattern}:\n${output()}`);
}

test(
  "on an empty data folder it starts, prints a working curl, serves the demo files byte for byte, and stops on SIGTERM",
  { timeout: 120_000 },
  async () => {
    const { child, output } = start({ DATA_DIR: dataDir, PORT: "0" });
    try {
      const [, token, url] = await waitFor(
        /curl -s -H "Authorization: Bearer ([^"]+)" \\\n\s+"([^"]+)"/,
        output,
        child,
      );
      assert.match(output(), /taskdl is listening on http:\/\/127\.0\.0\.1:\d+/);
      assert.match(output(), /JWT_SECRET was not set: generated one/);
      assert.equal((await fetch(/ {2}Docs: +(http:\/\/\S+\/docs)\n/.exec(output())?.[1] ?? "")).status, 200);
      const res = await fetch(url as string, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        data: { downloadUrls: { fileName: string; downloadUrl: string; fileSize: number }[]; totalSize: number };
      };
      assert.deepEqual(
        body.data.downloadUrls.map((vo) => vo.fileName),
        ["ndvi_result.tif", "analysis_report.pdf"],
      );
      for (const vo of body.data.downloadUrls) {
        const file = Buffer.from(await (await fetch(vo.downloadUrl)).arrayBuffer());
        assert.deepEqual(file, readFileSync(join(FIXTURES, vo.fileName)), vo.fileName);
        assert.equal(vo.fileSize, file.length);
      }
      assert.equal(readFileSync(join(FIXTURES, "ndvi_result.tif")).subarray(0, 4).toString("latin1"), "II*\0");
      assert.equal(readFileSync(join(FIXTURES, "analysis_report.pdf")).subarray(0, 5).toString("latin1"), "%PDF-");
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((resolve) => child.once("exit", resolve));
    assert.equal(code, 0, output());
    assert.ok(!existsSync(join(dataDir, "pg", "postmaster.pid")), "the embedded PostgreSQL stopped with it");
    assert.ok(!output().includes("postgres://"), "no connection URL (with its password) in the output");
  },
);

test("a bad setting stops start-up with a message naming the variable", async () => {
  const { child, output } = start({ DATA_DIR: dataDir, PORT: "not-a-port" });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  assert.equal(code, 2);
  assert.match(output(), /taskdl: Invalid configuration: PORT must be an integer from 0 to 65535 \(got "not-a-port"\)/);
});
