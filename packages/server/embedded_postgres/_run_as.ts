import { execFileSync, spawnSync } from "node:child_process";
import { StartupError } from "../startup/startup_error.ts";

/** The system user PostgreSQL runs as; unset means this process's own user. */
export interface RunAs {
  /** The user's id. */
  uid: number;
  /** Its primary group's id. */
  gid: number;
  /** Its name, for messages. */
  name: string;
}

const POSTGRES_USER = "postgres";

/**
 * Who the embedded PostgreSQL runs as. PostgreSQL refuses to run as root, so
 * as root it runs as the `postgres` system user, created (as a system user
 * without a home or a login) when the machine has none. Any other user runs
 * it as themselves.
 *
 * @returns The `postgres` user as root, else `undefined`.
 * @throws {StartupError} When the user cannot be found or created.
 */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const found = lookUp(POSTGRES_USER);
  if (found !== undefined) return found;
  try {
    // Exit code 9: the group exists already, which is fine.
    const group = spawnSync("groupadd", ["--system", POSTGRES_USER], { stdio: "ignore" });
    if (group.status !== 0 && group.status !== 9) throw new Error(`groupadd exited with ${group.status}`);
    execFileSync(
      "useradd",
      ["--system", "--gid", POSTGRES_USER, "--no-create-home", "--shell", "/usr/sbin/nologin", POSTGRES_USER],
      { stdio: "ignore" },
    );
  } catch (error) {
    throw new StartupError(
      "Cannot run the embedded PostgreSQL as root, and cannot create the postgres system user it runs as instead " +
        `(${error instanceof Error ? error.message : String(error)}). ` +
        "Create it yourself (useradd --system postgres), run taskdl as another user, " +
        "or set DATABASE_URL to use a PostgreSQL server of your own",
      { cause: error },
    );
  }
  const created = lookUp(POSTGRES_USER);
  if (created === undefined) throw new StartupError(`Cannot find the ${POSTGRES_USER} user right after creating it`);
  return created;
}

function lookUp(name: string): RunAs | undefined {
  const id = (flag: string) => {
    const result = spawnSync("id", [flag, name], { encoding: "utf8" });
    return result.status === 0 ? Number(result.stdout.trim()) : undefined;
  };
  const uid = id("-u");
  const gid = id("-g");
  return uid === undefined || gid === undefined ? undefined : { uid, gid, name };
}

/**
 * Whether a user can reach a path: every folder on the way can be entered,
 * and the path itself can be entered (a folder) or run (a program). Asked of
 * the system itself (`test -x`, run as that user), so modes, ACLs and
 * mount options all count.
 *
 * @param path An existing path.
 * @param runAs The user; unset means this process's own user.
 * @returns Whether the user can reach it.
 */
export function canReach(path: string, runAs: RunAs | undefined): boolean {
  const result = spawnSync("test", ["-x", path], {
    stdio: "ignore",
    cwd: "/",
    ...(runAs === undefined ? {} : { uid: runAs.uid, gid: runAs.gid }),
  });
  return result.status === 0;
}
