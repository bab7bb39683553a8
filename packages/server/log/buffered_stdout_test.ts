import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { bufferedStdout } from "./buffered_stdout.ts";
import { createLogger } from "./create_logger.ts";

const folder = mkdtempSync(join(tmpdir(), "taskdl-buffered-stdout-"));
after(() => rmSync(folder, { recursive: true, force: true }));

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test("access lines: gathered until 4 KiB, then written whole and in order; none waits longer than flushEveryMs", async () => {
  const path = join(folder, "gathered.log");
  const fd = openSync(path, "w");
  const stream = bufferedStdout({ fd, flushEveryMs: 200 });
  try {
    const logger = createLogger("info", { destination: stream });
    logger.info({ n: 0 }, "request");
    assert.equal(readFileSync(path, "utf8"), "", "one short line waits for more");
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(
      lines(path).map((line) => line.n),
      [0],
      "and is written within flushEveryMs",
    );

    // Over 4 KiB of lines of many lengths: written at once, each line whole (every one parses), none lost.
    for (let n = 1; n <= 60; n++) logger.info({ n, path: "/x".repeat(n) }, "request");
    const written = lines(path);
    assert.ok(written.length > 1 && written.length < 61, `${written.length} lines written before the timer`);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(
      lines(path).map((line) => line.n),
      Array.from({ length: 61 }, (_, n) => n),
    );

    logger.info({ n: 61 }, "request");
    logger.flush();
    assert.equal(lines(path).at(-1)?.n, 61, "the logger's flush() writes at once");
  } finally {
    stream.destroy(); // stops its timer and closes fd
  }
});

test("access lines: what is gathered is written when the process exits, by process.exit or by running out of work", () => {
  const module = fileURLToPath(new URL("./buffered_stdout.ts", import.meta.url));
  const logger = fileURLToPath(new URL("./create_logger.ts", import.meta.url));
  for (const end of ["process.exit(0)", "void 0"]) {
    const script =
      `const { bufferedStdout } = await import(${JSON.stringify(module)});` +
      `const { createLogger } = await import(${JSON.stringify(logger)});` +
      "const log = createLogger('info', { destination: bufferedStdout({ flushEveryMs: 60000 }) });" +
      `for (let n = 0; n < 3; n++) log.info({ n }, 'request'); ${end};`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    const written = result.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => (JSON.parse(line) as { n: number }).n);
    assert.deepEqual(written, [0, 1, 2], `after ${end}`);
  }
});
