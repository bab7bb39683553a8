/**
 * Gives outputs recorded before ingest hashed them their SHA-256:
 * `npm run checksums:backfill` (or `node packages/server/backfill_main.ts`),
 * with the service's own configuration (`DATABASE_URL`, the storage
 * variables). Idempotent and resumable: run it again after a stop or a
 * fault and it goes on with what is left. A progress line is drawn on a
 * terminal only; the summary is printed at the end.
 *
 *   npm run checksums:backfill                      # 4 objects hashed at once
 *   npm run checksums:backfill -- --concurrency 8
 *
 * Exits 0 when done (outputs whose object is gone are listed, and stay
 * without a hash), 1 when the store or the database failed (rerun to
 * resume), 2 on a bad setting or argument.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createUrlSigner } from "@taskdl/storage";
import { type BackfillProgress, backfillChecksums } from "./checksums/backfill_checksums.ts";
import { ConfigError } from "./config/config_error.ts";
import { type Config, loadConfig } from "./config/load_config.ts";
import { initOrm } from "./db/init_orm.ts";

let concurrency: number;
let config: Config;
try {
  const { values } = parseArgs({
    options: { concurrency: { type: "string", default: "4" } },
    strict: true,
  });
  concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new ConfigError("--concurrency must be a whole number from 1 to 64");
  }
  config = loadConfig(process.env);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), 2);
}
const databaseUrl = config.databaseUrl;
if (databaseUrl === undefined) {
  fail(
    "DATABASE_URL is required: the backfill works on the service's PostgreSQL. " +
      "(The embedded one of `npm start` has no fixed address; run the service with DATABASE_URL to backfill it.)",
    2,
  );
}

const terminal = process.stderr.isTTY === true;
const started = Date.now();
let drawn = 0;
const line = (progress: BackfillProgress) => {
  const seconds = (Date.now() - started) / 1000;
  const rate = seconds > 0 ? progress.bytes / 1e6 / seconds : 0;
  return (
    `${progress.done}/${progress.total} outputs: ${progress.hashed} hashed, ${progress.reused} reused, ` +
    `${progress.skipped} skipped, ${(progress.bytes / 1e6).toFixed(1)} MB read (${rate.toFixed(1)} MB/s)`
  );
};

const orm = await initOrm(databaseUrl, { statementTimeoutMs: config.databaseStatementTimeoutMs });
const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: finishing the outputs in hand, then stopping (rerun to resume)\n`);
    stop.abort();
  });
}
let progress: BackfillProgress;
try {
  const signer = await createUrlSigner(config.storage, {
    publicBaseUrl: config.publicBaseUrl ?? "http://127.0.0.1",
    linkKeys: config.linkKeys,
  });
  progress = await backfillChecksums(orm, signer, {
    concurrency,
    signal: stop.signal,
    onProgress: (progress) => {
      // A progress line is for a person watching; a log or a pipe gets the summary only.
      if (!terminal || (Date.now() - drawn < 200 && progress.done < progress.total)) return;
      drawn = Date.now();
      process.stderr.write(`\r\x1b[K${line(progress)}`);
    },
  });
} catch (error) {
  await orm.close();
  if (terminal) process.stderr.write("\n");
  // The store's or the database's own error can name hosts; the message of ours says which part failed.
  fail(`Cannot finish the backfill: ${error instanceof Error ? error.message : String(error)}; rerun to resume`, 1);
}
await orm.close();
if (terminal) process.stderr.write("\r\x1b[K");
process.stdout.write(`${progress.stopped ? "stopped" : "done"}: ${line(progress)}\n`);
for (const { taskId, fileName } of progress.missing) {
  process.stdout.write(`  no object for task ${taskId}, file ${JSON.stringify(fileName)}: left without a hash\n`);
}
if (progress.missing.length === 100) {
  process.stdout.write("  (only the first 100 are listed)\n");
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
