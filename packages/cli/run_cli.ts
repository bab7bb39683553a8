import { parseArgs, type ParseArgsConfig } from "node:util";
import { TASK_ID_PATTERN } from "@taskdl/contract";
import { CliError, EXIT, type ExitCode } from "./exit_codes.ts";
import { formatBytes } from "./format_bytes.ts";
import { formatUrls, URL_FORMATS, type UrlFormat } from "./format_urls.ts";
import { listFiles } from "./list_files.ts";
import { Progress, type ProgressMode } from "./progress.ts";
import { pullTask } from "./pull_task.ts";
import { redact } from "./redact.ts";
import { resolveConfig } from "./resolve_config.ts";
import { unsafeFileNameReason } from "./safe_file_name.ts";
import { createTaskApi } from "./task_api.ts";

/** Where the CLI reads and writes; `process`'s own by default. */
export interface RunCliOptions {
  /** The environment (`TASKDL_URL`, `TASKDL_TOKEN`). */
  env?: Record<string, string | undefined>;
  /** Where results go. */
  stdout?: { write(text: string): unknown };
  /** Where messages and progress go; `isTTY` chooses progress bars. */
  stderr?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/** The help of `taskdl`, printed by `taskdl --help`. */
export const USAGE = `Usage: taskdl <command> [options]

Commands:
  pull <taskId>   download every output of a finished task, verified, resumable
  ls <taskId>     list the task's files: name, size, short SHA-256, expiry
  urls <taskId>   print the task's signed links for other tools (--format json|aria2|sha256sum|curl)

Options of every command:
  --url URL          the service (or TASKDL_URL; default http://127.0.0.1:3000)
  --token-file FILE  read the token from FILE
  --token TOKEN      the token itself (or TASKDL_TOKEN; other users may see a flag in the process list)
  -h, --help         this help

pull:
  --out DIR           where to put the files (default ./<taskId>/)
  --parallel N        files at once, 1 to 64 (default 4)
  --expires-in SECS   link lifetime to ask for (60 up to the service's maximum)
  --wait [SECS]       wait for an unfinished task to finish first (default 3600 s when no SECS), then pull
  --json              print one JSON summary on stdout
  --quiet             no progress, only failures and the summary line

ls:
  --json              the list as JSON

urls:
  --format FORMAT     json (default), aria2 (aria2c -i), sha256sum (sha256sum -c), curl (curl -K)
  --expires-in SECS   link lifetime to ask for

Exit codes: 0 every file verified; 1 some file failed; 2 usage or configuration error;
3 unauthorized (401); 4 task not found (404); 5 task not finished or failed.
`;

const COMMON = {
  url: { type: "string" },
  token: { type: "string" },
  "token-file": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const COMMANDS = {
  pull: {
    ...COMMON,
    out: { type: "string" },
    parallel: { type: "string" },
    "expires-in": { type: "string" },
    wait: { type: "string" },
    json: { type: "boolean" },
    quiet: { type: "boolean" },
  },
  ls: { ...COMMON, json: { type: "boolean" }, "expires-in": { type: "string" } },
  urls: { ...COMMON, format: { type: "string" }, "expires-in": { type: "string" } },
} as const satisfies Record<string, ParseArgsConfig["options"]>;

type Command = keyof typeof COMMANDS;

function wholeNumber(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new CliError(
      EXIT.usage,
      `Cannot read --${flag} ${JSON.stringify(value)}: must be a whole number from ${min} to ${max}`,
    );
  }
  return Number(value);
}

/** What a bare `--wait` waits, in seconds. */
export const DEFAULT_WAIT_SECONDS = 3600;

/** `--wait` takes an optional value, which `parseArgs` cannot say: a bare one gets the default. */
function withWaitValue(args: string[]): string[] {
  return args.flatMap((arg, index) => {
    if (arg !== "--wait") return [arg];
    const next = args[index + 1];
    return next !== undefined && /^\d+$/.test(next) ? [arg] : [arg, String(DEFAULT_WAIT_SECONDS)];
  });
}

/**
 * Runs `taskdl` with its arguments and returns the exit code (see
 * {@linkcode EXIT}). Results go to `stdout`; messages and progress go to
 * `stderr`, with the token and every signed link removed.
 *
 * @param args The arguments after `taskdl`.
 * @param options The environment and the streams.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(["pull", "12345", "--out", "results"]);
 * ```
 */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<ExitCode> {
  const { env = process.env, stdout = process.stdout, stderr = process.stderr } = options;
  const secrets: string[] = [];
  const clean = (text: string) => redact(text, secrets);
  const fail = (code: ExitCode, message: string): ExitCode => {
    stderr.write(`taskdl: ${clean(message)}\n`);
    return code;
  };

  const [command, ...rest] = args;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    (command === undefined ? stderr : stdout).write(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    return fail(EXIT.usage, `Unknown command ${JSON.stringify(command)}: use pull, ls or urls (taskdl --help)`);
  }

  try {
    const { values, positionals } = parseArgs({
      args: command === "pull" ? withWaitValue(rest) : rest,
      options: COMMANDS[command as Command],
      allowPositionals: true,
      strict: true,
    });
    const flags = values as Record<string, string | boolean | undefined>;
    if (flags.help === true) {
      stdout.write(USAGE);
      return EXIT.ok;
    }
    if (typeof flags.token === "string") secrets.push(flags.token);
    if (positionals.length !== 1) {
      throw new CliError(
        EXIT.usage,
        `taskdl ${command} takes one task id (got ${positionals.length}): taskdl ${command} <taskId>`,
      );
    }
    const taskId = positionals[0] ?? "";
    if (!TASK_ID_PATTERN.test(taskId)) {
      throw new CliError(EXIT.usage, `Cannot use the task id ${JSON.stringify(taskId)}: 1 to 64 of A-Z a-z 0-9 _ -`);
    }
    const config = resolveConfig(
      {
        url: flags.url as string | undefined,
        token: flags.token as string | undefined,
        "token-file": flags["token-file"] as string | undefined,
      },
      env,
    );
    secrets.push(config.token);
    const expiresIn = wholeNumber("expires-in", flags["expires-in"] as string | undefined, 1, 31_536_000);

    if (command === "pull") {
      const parallel = wholeNumber("parallel", flags.parallel as string | undefined, 1, 64) ?? 4;
      const dir = (flags.out as string | undefined) ?? taskId;
      const json = flags.json === true;
      const mode: ProgressMode = flags.quiet === true ? "quiet" : stderr.isTTY === true ? "bars" : "lines";
      // Retries of the first call are told plainly; once the progress runs, through it.
      let say = (message: string): unknown => stderr.write(`taskdl: ${clean(message)}\n`);
      const waitSeconds = wholeNumber("wait", flags.wait as string | undefined, 0, 31_536_000) ?? 0;
      const api = createTaskApi({ ...config, expiresIn, onRetry: (message) => say(message) });
      if (waitSeconds > 0 && mode !== "quiet") say(`waiting up to ${waitSeconds} s for task ${taskId} to finish`);
      const first = await api.getDownloadUrls(taskId, waitSeconds);
      const progress = new Progress(stderr, {
        mode,
        totalBytes: first.totalSize,
        fileCount: first.downloadUrls.length,
        redact: clean,
      });
      say = (message) => progress.line(message);
      let summary;
      try {
        summary = await pullTask(first, { dir, parallel, mint: () => api.getDownloadUrls(taskId), progress });
      } finally {
        progress.close();
      }
      const { totals } = summary;
      if (json) stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      const sizeOnly =
        totals.verifiedSizeOnly > 0
          ? `, ${totals.verifiedSizeOnly} checked by size only (the service gave no SHA-256)`
          : "";
      stderr.write(
        clean(
          `${totals.failed === 0 ? "done" : "FAILED"}: ${totals.files} files in ${dir}, ${totals.verified} downloaded and verified, ${totals.skipped} already there${sizeOnly}, ${totals.failed} failed; ${formatBytes(totals.bytesTransferred)} transferred in ${totals.seconds.toFixed(1)} s\n`,
        ),
      );
      return totals.failed === 0 ? EXIT.ok : EXIT.failed;
    }

    const api = createTaskApi({ ...config, expiresIn, onRetry: (message) => stderr.write(`${clean(message)}\n`) });
    const answer = await api.getDownloadUrls(taskId);
    if (command === "ls") {
      stdout.write(listFiles(answer, { json: flags.json === true }));
      return EXIT.ok;
    }
    const format = (flags.format as string | undefined) ?? "json";
    if (!(URL_FORMATS as readonly string[]).includes(format)) {
      throw new CliError(EXIT.usage, `Cannot use --format ${JSON.stringify(format)}: use ${URL_FORMATS.join(", ")}`);
    }
    // The links are the output here; a name that would leave the folder is not offered to other tools either.
    const refused = answer.downloadUrls.filter((file) => unsafeFileNameReason(file.fileName) !== undefined);
    for (const file of refused) {
      stderr.write(
        clean(
          `taskdl: Refusing the file name ${JSON.stringify(file.fileName)}: it ${unsafeFileNameReason(file.fileName)}; left out\n`,
        ),
      );
    }
    const safe = { ...answer, downloadUrls: answer.downloadUrls.filter((file) => !refused.includes(file)) };
    const { text, notes } = formatUrls(safe, format as UrlFormat);
    stdout.write(text);
    for (const note of notes) stderr.write(`taskdl: ${clean(note)}\n`);
    return refused.length === 0 ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (error instanceof CliError) return fail(error.exitCode, error.message);
    const code = (error as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      return fail(EXIT.usage, `${(error as Error).message} (taskdl --help)`);
    }
    return fail(EXIT.failed, `Unexpected failure: ${(error as Error).message}`);
  }
}
