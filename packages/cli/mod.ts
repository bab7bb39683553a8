/**
 * `taskdl`, the command line of taskdl: `taskdl pull <taskId>` downloads
 * every output of a finished task into a folder, in parallel, each file
 * hashed while it streams, checked against the API's size and SHA-256 and
 * renamed into place only when verified; runs resume, expired links are
 * minted again, `429`/`503` and broken connections are retried.
 * `taskdl ls` lists the files, `taskdl urls` exports the links for aria2c,
 * `sha256sum -c` and curl. See docs/cli.md.
 *
 * @example
 * ```ts
 * import { runCli } from "@taskdl/cli";
 * process.exitCode = await runCli(["pull", "12345", "--out", "results", "--json"]);
 * ```
 *
 * @module
 */
export { CliError, EXIT, type ExitCode } from "./exit_codes.ts";
export { runCli, type RunCliOptions, USAGE } from "./run_cli.ts";
