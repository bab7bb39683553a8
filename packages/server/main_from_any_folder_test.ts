import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DEMO_CURL, startMain, waitForOutput } from "./_start_main.ts";
import { CLUSTER_ID_FILE, RELOCATED_BASE } from "./embedded_postgres/embedded_cluster_folder.ts";

// A new user, as root, clones taskdl into a folder only root can enter (a home of mode 0700) — here a
// copy of this checkout, node_modules included, hard-linked (`cp -al`), under a fresh mode-0700 folder
// whose name has a space in it — and runs the README's commands there.
const REPOSITORY = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./dev/fixtures/", import.meta.url));
const asRoot = process.getuid?.() === 0;
const skip = asRoot ? false : "only root's embedded PostgreSQL runs as another user (postgres)";

const home = mkdtempSync(join(tmpdir(), "taskdl-home-"));
const checkout = join(home, "my projects", "taskdl");
const clusters: string[] = [];
after(() => {
  rmSync(home, { recursive: true, force: true });
  for (const dir of clusters) rmSync(dir, { recursive: true, force: true });
  for (const dir of clusters) rmSync(`${dir}.data-dir`, { force: true });
});

function copyCheckout(): void {
  execFileSync("mkdir", ["-p", checkout]);
  execFileSync("cp", [
    "-al",
    ...["package.json", "node_modules", "packages"].map((n) => join(REPOSITORY, n)),
    checkout,
  ]);
  assert.equal(statSync(home).mode & 0o777, 0o700);
}

async function answersTheDemoCurl(): Promise<{ database: string; output: string }> {
  const main = startMain({ PORT: "0" }, { root: checkout, cwd: checkout });
  try {
    const [, token, url] = await waitForOutput(main, DEMO_CURL);
    const res = await fetch(url as string, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, main.output());
    const { data } = (await res.json()) as { data: { downloadUrls: { fileName: string; downloadUrl: string }[] } };
    assert.deepEqual(
      data.downloadUrls.map((vo) => vo.fileName),
      ["ndvi_result.tif", "analysis_report.pdf"],
    );
    for (const vo of data.downloadUrls) {
      const file = Buffer.from(await (await fetch(vo.downloadUrl)).arrayBuffer());
      assert.deepEqual(file, readFileSync(join(FIXTURES, vo.fileName)), vo.fileName);
    }
    const database = /Database: embedded PostgreSQL in (\S+)/.exec(main.output())?.[1] ?? "";
    if (database !== "" && !clusters.includes(database)) clusters.push(database);
    return { database, output: main.output() };
  } finally {
    main.child.kill("SIGTERM");
    assert.equal(await main.exited, 0, main.output());
  }
}

test(
  "as root, npm start in a clone under a mode-0700 folder answers the demo curl, keeps its cluster, and a new data folder gets a new one",
  { skip, timeout: 240_000 },
  async () => {
    copyCheckout();
    const dataDir = join(checkout, ".data");

    const first = await answersTheDemoCurl();
    const id = readFileSync(join(dataDir, CLUSTER_ID_FILE), "utf8").trim();
    assert.equal(first.database, join(RELOCATED_BASE, "clusters", id));
    assert.match(
      first.output,
      /the postgres user cannot enter DATA_DIR: the embedded PostgreSQL keeps its cluster in dir/,
    );
    const cluster = statSync(first.database);
    assert.equal(cluster.mode & 0o777, 0o700, "the cluster folder is mode 0700, as PostgreSQL demands");
    assert.notEqual(cluster.uid, 0, "the cluster folder belongs to the postgres user");
    assert.ok(!existsSync(join(dataDir, "pg", "PG_VERSION")), "no cluster inside the unreachable data folder");

    // Data recorded in the cluster survives a restart: the same cluster serves it again.
    writeFileSync(join(dataDir, "marker"), "kept");
    const second = await answersTheDemoCurl();
    assert.equal(second.database, first.database);

    // Deleting .data generates a new database password; the old cluster would refuse it, so a new id gets a new one.
    rmSync(dataDir, { recursive: true, force: true });
    const third = await answersTheDemoCurl();
    assert.notEqual(third.database, first.database);
    // Clusters of other checkouts whose data folders are gone may be reported too: the folder is the machine's.
    const leftOver = third.output.split("\n").filter((line) => line.includes("takes space"));
    assert.ok(
      leftOver.some((line) => line.includes(`"dir":"${first.database}"`)),
      `the old cluster is reported as left over:\n${third.output}`,
    );
    assert.ok(
      !leftOver.some((line) => line.includes(`"dir":"${third.database}"`)),
      `the cluster in use is not reported as left over:\n${third.output}`,
    );
  },
);

test(
  "as root, the test runner's own embedded PostgreSQL starts from a clone under a mode-0700 folder",
  { skip, timeout: 180_000 },
  () => {
    if (!existsSync(join(checkout, "package.json"))) copyCheckout();
    const probe = join(checkout, "packages", "server", "reach_probe_test.ts");
    writeFileSync(
      probe,
      'import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport pg from "pg";\n' +
        'test("reaches the database", async () => {\n' +
        "  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });\n" +
        "  await client.connect();\n" +
        '  assert.equal((await client.query("select 1 as one")).rows[0].one, 1);\n' +
        "  await client.end();\n});\n",
    );
    // Without the outer runner's NODE_TEST_CONTEXT, the inner runner reports as a user sees it.
    const { DATABASE_URL: _unset, NODE_TEST_CONTEXT: _outer, ...env } = process.env;
    const output = execFileSync(
      process.execPath,
      [join(checkout, "packages", "testing", "run_tests.ts"), "--test-reporter=spec", "reach_probe_test.ts"],
      { cwd: join(checkout, "packages", "server"), env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    assert.match(output, /# tests run against an embedded PostgreSQL on 127\.0\.0\.1:\d+/);
    assert.match(output, /ℹ pass 1/);
    assert.match(output, /ℹ fail 0/);
  },
);
