import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DEMO_CURL, startMain, waitForOutput } from "./_start_main.ts";

const FIXTURES = fileURLToPath(new URL("./dev/fixtures/", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "taskdl-main-"));
chmodSync(dataDir, 0o755);
after(() => rmSync(dataDir, { recursive: true, force: true }));

test(
  "on an empty data folder it starts, prints a working curl, serves the demo files byte for byte, and stops on SIGTERM",
  { timeout: 120_000 },
  async () => {
    const main = startMain({ DATA_DIR: dataDir, PORT: "0" });
    const { child, output } = main;
    try {
      const [, token, url] = await waitForOutput(main, DEMO_CURL);
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
    assert.equal(await main.exited, 0, output());
    assert.ok(!existsSync(join(dataDir, "pg", "postmaster.pid")), "the embedded PostgreSQL stopped with it");
    assert.ok(!output().includes("postgres://"), "no connection URL (with its password) in the output");
  },
);

test("a bad setting stops start-up with a message naming the variable", async () => {
  const main = startMain({ DATA_DIR: dataDir, PORT: "not-a-port" });
  assert.equal(await main.exited, 2);
  assert.match(
    main.output(),
    /taskdl: Invalid configuration: PORT must be an integer from 0 to 65535 \(got "not-a-port"\)/,
  );
});
