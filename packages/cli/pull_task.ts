import { mkdir, open, readdir, rm } from "node:fs/promises";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { join } from "node:path";
import type { DownloadUrlResp, DownloadUrlVo } from "@taskdl/contract";
import { CliError, EXIT } from "./exit_codes.ts";
import { downloadFile, type FileResult, type FileStatus } from "./download_file.ts";
import { LinkSource } from "./link_source.ts";
import type { Progress } from "./progress.ts";
import { PARTIAL_SUFFIX, unsafeFileNameReason } from "./safe_file_name.ts";

/** Options of {@linkcode pullTask}. */
export interface PullTaskOptions {
  /** The download folder (created when missing). */
  dir: string;
  /** How many files download at once. */
  parallel: number;
  /** Asks the API for fresh links. */
  mint: () => Promise<DownloadUrlResp>;
  /** Shows what happens. */
  progress: Progress;
}

/** One file of {@linkcode PullSummary}. */
export interface PulledFile {
  /** The file's path: the folder joined with its name. */
  path: string;
  /** Its size in bytes. */
  size: number;
  /** The SHA-256 of what is on disk, when it was read in full. */
  sha256: string | null;
  /** The SHA-256 the API gave, or null when it gave none (then the size alone was checked). */
  expectedSha256: string | null;
  /** How it ended; `refused` for a name that would leave the folder. */
  status: FileStatus | "refused";
  /** Body bytes received in this run. */
  bytesTransferred: number;
  /** Why it failed. */
  error?: string;
}

/** What `taskdl pull --json` prints. */
export interface PullSummary {
  taskId: string;
  dir: string;
  files: PulledFile[];
  totals: {
    files: number;
    verified: number;
    verifiedSizeOnly: number;
    skipped: number;
    failed: number;
    size: number;
    bytesTransferred: number;
    linkRefreshes: number;
    seconds: number;
  };
}

/**
 * Pulls every output of a task into a folder, `parallel` files at a time
 * (see `downloadFile` for what one file goes through). Names that would
 * leave the folder are refused and never written; duplicates are refused
 * after the first. After a run in which every file verified, no partial
 * file of taskdl's is left in the folder.
 *
 * @param first The API's first answer.
 * @param options The folder, parallelism, how to mint links, progress.
 * @returns The summary; `totals.failed` says whether all went well.
 *
 * @example
 * ```ts
 * const summary = await pullTask(await api.getDownloadUrls("12345"), { dir: "12345", parallel: 4, mint, progress });
 * ```
 */
export async function pullTask(first: DownloadUrlResp, options: PullTaskOptions): Promise<PullSummary> {
  const { dir, parallel, mint, progress } = options;
  const startedAt = performance.now();
  const links = new LinkSource(mint, first);
  const results = new Map<DownloadUrlVo, PulledFile>();
  const seen = new Set<string>();
  const queue: DownloadUrlVo[] = [];

  for (const file of first.downloadUrls) {
    const reason = seen.has(file.fileName) ? "is listed twice" : unsafeFileNameReason(file.fileName);
    seen.add(file.fileName);
    if (reason === undefined) {
      queue.push(file);
      continue;
    }
    const error = `Refusing the file name ${JSON.stringify(file.fileName)}: it ${reason}; nothing was written for it`;
    results.set(file, {
      path: JSON.stringify(file.fileName),
      size: file.fileSize,
      sha256: null,
      expectedSha256: file.sha256 ?? null,
      status: "refused",
      bytesTransferred: 0,
      error,
    });
    progress.line(`refused   ${error}`);
  }

  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError(EXIT.usage, `Cannot use the folder ${JSON.stringify(dir)}: ${code}`);
  }
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: parallel }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: parallel }),
  };
  const toPulled = (file: DownloadUrlVo, result: FileResult): PulledFile => ({
    path: join(dir, file.fileName),
    size: file.fileSize,
    sha256: result.sha256 ?? null,
    expectedSha256: file.sha256 ?? null,
    status: result.status,
    bytesTransferred: result.bytesTransferred,
    ...(result.error === undefined ? {} : { error: result.error }),
  });

  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const file = queue[next++];
      if (file === undefined) break;
      const result = await downloadFile(file, {
        dir,
        links,
        agents,
        onStart: (name, size, done) => progress.start(name, size, done),
        onBytes: (name, bytes) => progress.advance(name, bytes),
        onNote: (message) => progress.note(message),
      });
      progress.finish(result);
      results.set(file, toPulled(file, result));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, queue.length)) }, worker));
  } finally {
    agents.http.destroy();
    agents.https.destroy();
  }

  const files = first.downloadUrls.flatMap((file) => results.get(file) ?? []);
  const count = (...statuses: string[]) => files.filter((file) => statuses.includes(file.status)).length;
  const failed = count("failed", "refused");
  if (failed === 0) await removeLeftovers(dir);
  // The files were flushed before their renames; the renames themselves once, for the whole folder.
  await syncFolder(dir);
  return {
    taskId: first.taskId,
    dir,
    files,
    totals: {
      files: files.length,
      verified: count("verified"),
      verifiedSizeOnly: count("verified-size-only", "skipped-size-only"),
      skipped: count("skipped", "skipped-size-only"),
      failed,
      size: files.reduce((sum, file) => sum + file.size, 0),
      bytesTransferred: files.reduce((sum, file) => sum + file.bytesTransferred, 0),
      linkRefreshes: links.refreshes,
      seconds: Math.round(performance.now() - startedAt) / 1000,
    },
  };
}

/** Partial files of taskdl's left by earlier runs for files the task no longer lists. */
async function removeLeftovers(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.startsWith(".") && (name.endsWith(PARTIAL_SUFFIX) || name.endsWith(`${PARTIAL_SUFFIX}.json`))) {
      await rm(join(dir, name), { force: true });
    }
  }
}

/** Makes the renames durable: flushes the folder's entries (POSIX; Windows cannot open folders). */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
