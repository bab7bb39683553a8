import { readFileSync } from "node:fs";
import { CliError, EXIT } from "./exit_codes.ts";

/** Where the service is and who the user is, resolved once at start. */
export interface CliConfig {
  /** The service's base URL, without a trailing slash. */
  url: string;
  /** The user's token. */
  token: string;
}

/** The configuration flags as parsed. */
export interface ConfigFlags {
  url?: string | undefined;
  token?: string | undefined;
  "token-file"?: string | undefined;
}

/** The service's URL when neither `--url` nor `TASKDL_URL` names one. */
export const DEFAULT_URL = "http://127.0.0.1:3000";

/**
 * The configuration from the flags and the environment: `--url`, else
 * `TASKDL_URL`, else {@linkcode DEFAULT_URL}; `--token` or `--token-file`
 * (one of them), else `TASKDL_TOKEN`. This is the only place the CLI reads
 * its environment.
 *
 * @param flags The parsed flags.
 * @param env The environment (`process.env`).
 * @returns The configuration.
 * @throws {CliError} With exit code 2 for a bad URL, two token sources, an unreadable or empty token file, or no token.
 *
 * @example
 * ```ts
 * resolveConfig({ url: "http://127.0.0.1:3000" }, { TASKDL_TOKEN: "eyJ…" });
 * ```
 */
export function resolveConfig(flags: ConfigFlags, env: Record<string, string | undefined>): CliConfig {
  const rawUrl = flags.url ?? (env.TASKDL_URL || undefined) ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(rawUrl);
  } catch {
    throw new CliError(EXIT.usage, `Cannot use the service URL ${JSON.stringify(rawUrl)}: not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(EXIT.usage, `Cannot use the service URL ${JSON.stringify(rawUrl)}: must be http or https`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new CliError(
      EXIT.usage,
      "Cannot use the service URL: it must not carry credentials; pass the token with --token-file",
    );
  }
  if (flags.token !== undefined && flags["token-file"] !== undefined) {
    throw new CliError(EXIT.usage, "Cannot use both --token and --token-file: pass one");
  }
  let token = flags.token ?? "";
  if (flags["token-file"] !== undefined) {
    const file = flags["token-file"];
    try {
      token = readFileSync(file, "utf8").trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new CliError(EXIT.usage, `Cannot read the token file ${JSON.stringify(file)}: ${code}`);
    }
    if (token === "") throw new CliError(EXIT.usage, `Cannot use the token file ${JSON.stringify(file)}: it is empty`);
  } else if (flags.token === undefined) {
    token = (env.TASKDL_TOKEN ?? "").trim();
  }
  if (token === "") {
    throw new CliError(EXIT.usage, "No token: pass --token-file FILE or --token TOKEN, or set TASKDL_TOKEN");
  }
  return { url: rawUrl.replace(/\/+$/, ""), token };
}
