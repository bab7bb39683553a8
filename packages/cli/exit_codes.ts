/**
 * The exit codes of `taskdl`, documented in docs/cli.md: scripts branch on
 * them, so each is part of the command's interface.
 *
 * @example
 * ```ts
 * import { EXIT } from "@taskdl/cli";
 * if (code === EXIT.notFound) console.error("no such task");
 * ```
 */
export const EXIT = {
  /** Every file verified (or, for `ls` and `urls`, the answer printed). */
  ok: 0,
  /** Some file failed, or the service or a store could not be reached. */
  failed: 1,
  /** A usage or configuration error: a bad flag, no token, a bad task id or lifetime. */
  usage: 2,
  /** The service refused the token (401). */
  unauthorized: 3,
  /** No such task for this user (404). */
  notFound: 4,
  /** The task has not finished, or it failed (the 400s about the task's state). */
  taskNotReady: 5,
} as const;

/** One of {@linkcode EXIT}'s codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A failure that ends the command with an exit code and one message on
 * stderr (already free of secrets).
 *
 * @example
 * ```ts
 * throw new CliError(EXIT.usage, "Cannot read --parallel: must be a whole number from 1 to 64");
 * ```
 */
export class CliError extends Error {
  /** The exit code the command ends with. */
  readonly exitCode: ExitCode;

  /**
   * Makes the error.
   *
   * @param exitCode The exit code.
   * @param message What went wrong, for stderr.
   */
  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
