/**
 * The `taskdl` command: runs {@linkcode runCli} with the process's
 * arguments and exits with its code once stdout has been written out.
 *
 * @module
 */
import { runCli } from "./run_cli.ts";

const code = await runCli(process.argv.slice(2));
// Exit once stdout is flushed: a pipe (taskdl urls … | aria2c -i -) must get every byte.
process.stdout.write("", () => process.exit(code));
