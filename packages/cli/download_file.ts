import { createHash, type Hash } from "node:crypto";
import { close, createReadStream, fsync, openSync, writeSync } from "node:fs";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { type Agent as HttpAgent, type IncomingMessage, request as httpRequest } from "node:http";
import { type Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { join } from "node:path";
import { Transform } from "node:stream";
import type { DownloadUrlVo } from "@taskdl/contract";
import type { LinkSource } from "./link_source.ts";
import { retryDelay } from "./retry_delay.ts";
import { PARTIAL_SUFFIX } from "./safe_file_name.ts";

/** How a file ended: verified against its SHA-256, against its size only (no SHA-256 known), skipped, or failed. */
export type FileStatus = "verified" | "verified-size-only" | "skipped" | "skipped-size-only" | "failed";

/** What became of one file. */
export interface FileResult {
  /** The file's name in the folder. */
  fileName: string;
  /** Its size in bytes, as the API gave it. */
  size: number;
  /** The SHA-256 of the bytes on disk, when they were read in full. */
  sha256: string | undefined;
  /** How it ended. */
  status: FileStatus;
  /** Bytes of the file's body received over the network in this run. */
  bytesTransferred: number;
  /** Why it failed (no secrets in it). */
  error?: string;
}

/** Options of {@linkcode downloadFile}. */
export interface DownloadFileOptions {
  /** The download folder. */
  dir: string;
  /** Where the links come from. */
  links: LinkSource;
  /** The HTTP(S) agents to reuse connections with. */
  agents: { http: HttpAgent; https: HttpsAgent };
  /** Told when the file starts transferring, with the bytes already on disk. */
  onStart?: (fileName: string, size: number, done: number) => void;
  /** Told of each chunk received. */
  onBytes?: (fileName: string, bytes: number) => void;
  /** Told of a retry or a restart (no secrets in it). */
  onNote?: (message: string) => void;
  /** How many failures in a row (no bytes gained) a file survives. Defaults to 5. */
  retries?: number;
}

/** What a partial file was started from, kept beside it so a later run can ask `If-Range`. */
interface PartialMeta {
  size: number;
  sha256: string | null;
  validator: string | null;
}

const RETRIED_STATUS = new Set([429, 500, 502, 503, 504]);

const IDLE_TIMEOUT_MS = 30_000;

/** The partial file of a name, and its metadata file, beside the final name. */
export function partialPaths(dir: string, fileName: string): { partial: string; meta: string } {
  const partial = join(dir, `.${fileName}${PARTIAL_SUFFIX}`);
  return { partial, meta: `${partial}.json` };
}

class FileFailure extends Error {}

/** Hashes a file's first bytes (all of it by default). */
async function hashFile(path: string, hash: Hash = createHash("sha256")): Promise<Hash> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function readMeta(path: string): Promise<PartialMeta | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as PartialMeta;
  } catch {
    return undefined;
  }
}

/** Drains an answer we do not want the body of, so its connection can be reused. */
function discard(response: IncomingMessage): void {
  response.resume();
  response.on("error", () => {});
}

function get(
  url: string,
  headers: Record<string, string>,
  agents: DownloadFileOptions["agents"],
): Promise<IncomingMessage> {
  const https = url.startsWith("https:");
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { headers, agent: https ? agents.https : agents.http },
      resolve,
    );
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}

/** A strong validator for `If-Range`: a strong ETag, else `Last-Modified`; a weak ETag never matches a range. */
function validatorOf(response: IncomingMessage): string | null {
  const etag = response.headers.etag;
  if (etag !== undefined && !etag.startsWith("W/")) return etag;
  return response.headers["last-modified"] ?? null;
}

/** Why an error of the transport happened, in a few words without the URL. */
function transportReason(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return code ?? message ?? String(error);
}

/**
 * Downloads one output into the folder: streamed into a partial file beside
 * its final name, hashed while streaming, checked against `fileSize` and
 * `sha256`, flushed to disk and only then renamed to its final name, so a
 * file under its final name is always a verified one.
 *
 * - A final file already there with the right size and SHA-256 is kept
 *   (hashed, not trusted by date): `skipped`.
 * - A partial file of an earlier run is continued with `Range` and
 *   `If-Range`: `206` appends, `200` starts over, `416` means every byte
 *   is there.
 * - A `403`/`410` on a link or an expired link gets fresh links from the
 *   API; `429`/`5xx` and broken connections are retried with backoff
 *   (honouring `Retry-After`), keeping the bytes received.
 * - A SHA-256 mismatch deletes the partial file and starts over once; a
 *   second one fails the file.
 *
 * @param expected The file as the API first listed it.
 * @param options The folder, links, agents, and progress callbacks.
 * @returns What became of the file; it never throws for the file's own failures.
 *
 * @example
 * ```ts
 * const result = await downloadFile(file, { dir: "12345", links, agents });
 * if (result.status === "failed") console.error(result.error);
 * ```
 */
export async function downloadFile(expected: DownloadUrlVo, options: DownloadFileOptions): Promise<FileResult> {
  const { dir, links, agents, onStart = () => {}, onBytes = () => {}, onNote = () => {}, retries = 5 } = options;
  const { fileName, fileSize: size } = expected;
  const sha256 = expected.sha256;
  const finalPath = join(dir, fileName);
  const { partial, meta: metaPath } = partialPaths(dir, fileName);
  let transferred = 0;
  const result = (status: FileStatus, digest: string | undefined, error?: string): FileResult => ({
    fileName,
    size,
    sha256: digest,
    status,
    bytesTransferred: transferred,
    ...(error === undefined ? {} : { error }),
  });

  let failures = 0;
  const retryOrFail = async (reason: string, retryAfter: string | undefined): Promise<void> => {
    failures++;
    if (failures > retries) throw new FileFailure(`cannot download "${fileName}": ${reason}, ${retries} retries spent`);
    const wait = retryDelay(failures, retryAfter);
    onNote(`"${fileName}": ${reason}; retrying in ${(wait / 1000).toFixed(1)} s (${failures} of ${retries})`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  };

  try {
    // Already there under its final name: hash it, never trust a date.
    if ((await sizeOf(finalPath)) === size) {
      const digest = (await hashFile(finalPath)).digest("hex");
      if (sha256 === undefined) return result("skipped-size-only", digest);
      if (digest === sha256) return result("skipped", digest);
      onNote(`"${fileName}" is in the folder but its SHA-256 differs; downloading it again`);
    }

    // A partial file of an earlier run, if it was started for this same file.
    let offset = (await sizeOf(partial)) ?? 0;
    let meta = offset > 0 ? await readMeta(metaPath) : undefined;
    if (offset > size || (meta !== undefined && (meta.size !== size || meta.sha256 !== (sha256 ?? null)))) {
      await rm(partial, { force: true });
      offset = 0;
      meta = undefined;
    }
    let hash = offset > 0 ? await hashFile(partial) : createHash("sha256");
    let hashed = offset;
    let restartedAfterMismatch = false;
    let refusals = 0;
    onStart(fileName, size, offset);

    const startOver = async () => {
      await rm(partial, { force: true });
      offset = 0;
      hash = createHash("sha256");
      hashed = 0;
    };

    for (;;) {
      if (offset === size) {
        // Every byte is there: verify, flush, rename.
        if (hashed !== offset) {
          hash = await hashFile(partial);
          hashed = offset;
        }
        const digest = hash.digest("hex");
        if (size === 0) await writeFile(partial, new Uint8Array(0), { flush: true });
        if (sha256 !== undefined && digest !== sha256) {
          await startOver();
          const mismatch = `SHA-256 mismatch for "${fileName}": expected ${sha256}, got ${digest}`;
          if (restartedAfterMismatch) {
            await rm(metaPath, { force: true });
            return result("failed", digest, mismatch);
          }
          restartedAfterMismatch = true;
          onNote(`${mismatch}; downloading it once more from the start`);
          continue;
        }
        await rename(partial, finalPath);
        await rm(metaPath, { force: true });
        return result(sha256 === undefined ? "verified-size-only" : "verified", digest);
      }

      const link = await links.link(fileName);
      if (link === undefined) throw new FileFailure(`"${fileName}" is no longer among the task's outputs`);
      if (link.file.fileSize !== size || link.file.sha256 !== sha256) {
        throw new FileFailure(`"${fileName}" changed on the service during the download (size or SHA-256)`);
      }

      const headers: Record<string, string> = { "Accept-Encoding": "identity" };
      if (offset > 0) {
        headers.Range = `bytes=${offset}-`;
        if (meta?.validator !== undefined && meta.validator !== null) headers["If-Range"] = meta.validator;
      }
      let response: IncomingMessage;
      try {
        response = await get(link.file.downloadUrl, headers, agents);
      } catch (error) {
        await retryOrFail(`cannot connect: ${transportReason(error)}`, undefined);
        continue;
      }

      const status = response.statusCode ?? 0;
      if (status === 403 || status === 410) {
        discard(response);
        if (++refusals > retries)
          throw new FileFailure(`the store keeps refusing fresh links to "${fileName}" (HTTP ${status})`);
        onNote(`the link to "${fileName}" was refused (HTTP ${status}); getting fresh links`);
        await links.refresh(link.generation);
        continue;
      }
      if (RETRIED_STATUS.has(status)) {
        discard(response);
        await retryOrFail(`HTTP ${status}`, response.headers["retry-after"]);
        continue;
      }
      if (status === 416) {
        discard(response);
        const total = /\/(\d+)$/.exec(response.headers["content-range"] ?? "")?.[1];
        if (total !== undefined && Number(total) === offset) continue; // every byte is there: verify
        onNote(`the store refused the range of "${fileName}"; starting it over`);
        await startOver();
        continue;
      }
      let append: boolean;
      if (status === 206 && offset > 0) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers["content-range"] ?? "");
        if (range === null || Number(range[1]) !== offset) {
          discard(response);
          onNote(`the store answered another range of "${fileName}" than asked; starting it over`);
          await startOver();
          continue;
        }
        if (range[3] !== "*" && Number(range[3]) !== size) {
          discard(response);
          throw new FileFailure(`size mismatch for "${fileName}": expected ${size} bytes, the store has ${range[3]}`);
        }
        append = true;
      } else if (status === 200) {
        const length = response.headers["content-length"];
        if (length !== undefined && Number(length) !== size) {
          discard(response);
          throw new FileFailure(`size mismatch for "${fileName}": expected ${size} bytes, the store sends ${length}`);
        }
        if (offset > 0) {
          onNote(`the store sent "${fileName}" whole (it changed, or cannot resume); starting it over`);
          await startOver();
        }
        append = false;
      } else {
        discard(response);
        throw new FileFailure(`cannot download "${fileName}": the store answered HTTP ${status}`);
      }

      if (!append || meta === undefined) {
        meta = { size, sha256: sha256 ?? null, validator: validatorOf(response) };
        await writeFile(metaPath, JSON.stringify(meta));
      }
      const before = offset;
      let tooLong = false;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          if (offset + chunk.length > size) {
            tooLong = true;
            callback(new Error("more bytes than the file's size"));
            return;
          }
          hash.update(chunk);
          offset += chunk.length;
          hashed = offset;
          transferred += chunk.length;
          onBytes(fileName, chunk.length);
          callback(null, chunk);
        },
      });
      try {
        await writeBody(response, counter, partial, append);
      } catch (error) {
        if (tooLong) {
          await startOver();
          throw new FileFailure(`size mismatch for "${fileName}": the store sent more than ${size} bytes`);
        }
        // Keep what reached the disk; the hash is rebuilt from it when it does not match.
        offset = (await sizeOf(partial)) ?? 0;
        if (offset !== hashed) hashed = -1;
        if (offset > before) failures = refusals = 0;
        await retryOrFail(`the connection broke: ${transportReason(error)}`, undefined);
        if (hashed === -1) {
          hash = await hashFile(partial);
          hashed = offset;
        }
        continue;
      }
      if (offset < size) {
        if (offset > before) failures = refusals = 0;
        await retryOrFail(`the body ended early (${offset} of ${size} bytes)`, undefined);
      }
    }
  } catch (error) {
    if (error instanceof FileFailure) return result("failed", undefined, error.message);
    return result("failed", undefined, `cannot download "${fileName}": ${(error as Error).message}`);
  }
}

/**
 * Streams a body through the hashing counter into the partial file. Each
 * chunk is written at once with a synchronous write (into the page cache:
 * microseconds), so no chunk waits in a buffer — memory stays flat and no
 * byte received is lost when the connection breaks — and the file is
 * flushed to disk (`fsync`) before this settles. (Flushing every 32 MiB as
 * it went was tried: on ext4 the writes then wait for each flush, and a
 * 1 GiB pull took twice as long.) When the connection
 * breaks, it rejects after writing every byte that arrived, so a resume
 * asks only for what is missing.
 */
function writeBody(response: IncomingMessage, counter: Transform, partial: string, append: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(partial, append ? "a" : "w");
    } catch (error) {
      response.destroy();
      reject(error);
      return;
    }
    let failure: unknown;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      // In the thread pool: the other files' downloads go on while this one reaches the disk.
      fsync(fd, (error) => {
        if (error !== null) failure ??= error;
        close(fd, () => (failure === undefined ? resolve() : reject(failure)));
      });
    };
    counter.on("data", (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at);
      } catch (error) {
        failure = error;
        response.destroy();
        return;
      }
    });
    counter.on("end", settle);
    counter.on("error", (error) => {
      failure ??= error;
      response.destroy();
      settle();
    });
    const endEarly = (error: unknown) => {
      failure ??= error;
      counter.end();
    };
    response.on("error", endEarly);
    response.on("close", () => {
      if (!response.complete) endEarly(new Error("the connection closed early"));
    });
    response.pipe(counter);
  });
}
