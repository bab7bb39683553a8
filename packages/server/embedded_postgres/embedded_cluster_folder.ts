import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../startup/startup_error.ts";
import { makeFolder } from "./_make_folder.ts";
import { canReach, postgresRunAs } from "./_run_as.ts";

/**
 * Where relocated clusters and program copies live: root-owned folders every
 * user may enter, each cluster inside owned by `postgres` with mode 0700.
 */
export const RELOCATED_BASE = "/var/lib/taskdl/embedded-postgres";

/** The file in the data folder that names its relocated cluster. */
export const CLUSTER_ID_FILE = "pg-cluster-id";

/** Where a data folder's embedded PostgreSQL cluster lives. */
export interface EmbeddedClusterFolder {
  /** The cluster's folder (`DATA_DIR/pg`, or a relocated one). */
  dir: string;
  /** Whether it lives outside the data folder, because PostgreSQL's user cannot enter that. */
  relocated: boolean;
  /** Relocated clusters whose data folder is gone or names another cluster now: left over, safe to remove. */
  leftOver: string[];
}

/** Options of {@linkcode embeddedClusterFolder}. */
export interface EmbeddedClusterFolderOptions {
  /** The root-owned folder for relocated clusters. Defaults to {@linkcode RELOCATED_BASE}. */
  base?: string;
}

/**
 * Decides where the embedded PostgreSQL of a data folder keeps its cluster:
 * `DATA_DIR/pg` when the user PostgreSQL runs as can reach it (always, unless
 * taskdl runs as root), else a cluster of its own under
 * `<base>/clusters/<id>`, where the `id` is kept in `DATA_DIR/pg-cluster-id`.
 * The cluster and its password (`DATA_DIR/secrets`) therefore belong to one
 * data folder: a new data folder gets a new id, so a new cluster made with
 * its new password, never an old one that would refuse it. Relocated
 * clusters whose data folder has gone are reported in `leftOver`.
 *
 * @param dataDir The service's data folder (absolute; it exists).
 * @param options Where relocated clusters live.
 * @returns The cluster's folder.
 * @throws {StartupError} When the id cannot be kept or the folders cannot be made.
 *
 * @example
 * ```ts
 * const { dir, relocated } = embeddedClusterFolder("/root/taskdl/.data");
 * // as root: { dir: "/var/lib/taskdl/embedded-postgres/clusters/3f9c…", relocated: true, leftOver: [] }
 * ```
 */
export function embeddedClusterFolder(
  dataDir: string,
  options: EmbeddedClusterFolderOptions = {},
): EmbeddedClusterFolder {
  const { base = RELOCATED_BASE } = options;
  const runAs = postgresRunAs();
  if (runAs === undefined || canReach(dataDir, runAs)) {
    return { dir: join(dataDir, "pg"), relocated: false, leftOver: [] };
  }
  const clusters = join(base, "clusters");
  try {
    const id = clusterId(dataDir);
    // 0711: the postgres user passes through to its cluster; nobody lists which clusters exist.
    makeFolder(base, 0o755);
    makeFolder(clusters, 0o711);
    writeFileSync(join(clusters, `${id}.data-dir`), `${dataDir}\n`);
    return { dir: join(clusters, id), relocated: true, leftOver: leftOver(clusters) };
  } catch (error) {
    throw new StartupError(
      `Cannot keep the embedded PostgreSQL cluster in ${clusters}, where the ${runAs.name} user can reach it ` +
        `(${error instanceof Error ? error.message : String(error)}). ` +
        "Clone taskdl into a folder the postgres user can enter, or set DATABASE_URL to use a PostgreSQL server of your own",
      { cause: error },
    );
  }
}

function clusterId(dataDir: string): string {
  const file = join(dataDir, CLUSTER_ID_FILE);
  if (existsSync(file)) {
    const kept = readFileSync(file, "utf8").trim();
    if (/^[0-9a-f]{16,64}$/.test(kept)) return kept;
  }
  const id = randomBytes(12).toString("hex");
  writeFileSync(file, `${id}\n`, { mode: 0o644 });
  return id;
}

function leftOver(clusters: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(clusters)) {
    if (!entry.endsWith(".data-dir")) continue;
    const id = entry.slice(0, -".data-dir".length);
    const dataDir = readFileSync(join(clusters, entry), "utf8").trim();
    let current = "";
    try {
      current = readFileSync(join(dataDir, CLUSTER_ID_FILE), "utf8").trim();
    } catch {
      // The data folder, or its id file, is gone.
    }
    if (current !== id && existsSync(join(clusters, id))) found.push(join(clusters, id));
  }
  return found;
}
