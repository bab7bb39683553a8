import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CLUSTER_ID_FILE, embeddedClusterFolder } from "./embedded_cluster_folder.ts";

const scratch = mkdtempSync(join(tmpdir(), "taskdl-cluster-folder-"));
chmodSync(scratch, 0o755);
const base = join(scratch, "relocated");
after(() => rmSync(scratch, { recursive: true, force: true }));

test("a data folder PostgreSQL's user can reach keeps its cluster inside, in pg/", () => {
  const dataDir = join(scratch, "reachable", ".data");
  mkdirSync(dataDir, { recursive: true });
  assert.deepEqual(embeddedClusterFolder(dataDir, { base }), {
    dir: join(dataDir, "pg"),
    relocated: false,
    leftOver: [],
  });
  assert.ok(!existsSync(join(dataDir, CLUSTER_ID_FILE)));
});

test(
  "as root, a data folder behind a mode-0700 folder gets a cluster of its own outside, named by an id it keeps",
  { skip: process.getuid?.() === 0 ? false : "only root runs PostgreSQL as another user" },
  () => {
    const home = join(scratch, "home");
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    const first = join(home, "one", ".data");
    const second = join(home, "two", ".data");
    mkdirSync(first, { recursive: true });
    mkdirSync(second, { recursive: true });

    const one = embeddedClusterFolder(first, { base });
    assert.equal(one.relocated, true);
    const id = readFileSync(join(first, CLUSTER_ID_FILE), "utf8").trim();
    assert.equal(one.dir, join(base, "clusters", id));
    assert.equal(statSync(join(base, "clusters")).mode & 0o777, 0o711, "nobody else lists which clusters exist");
    assert.deepEqual(embeddedClusterFolder(first, { base }).dir, one.dir, "the same data folder, the same cluster");

    const two = embeddedClusterFolder(second, { base });
    assert.notEqual(two.dir, one.dir, "another data folder, another cluster");

    // Once its data folder is gone, the first data folder's cluster is left over.
    mkdirSync(one.dir);
    rmSync(join(home, "one"), { recursive: true });
    assert.deepEqual(embeddedClusterFolder(second, { base }).leftOver, [one.dir]);
    mkdirSync(first, { recursive: true });
    const renewed = embeddedClusterFolder(first, { base });
    assert.notEqual(renewed.dir, one.dir, "a new data folder in the same place gets a new cluster");
  },
);
