import type { FileHandle } from "node:fs/promises";
import type { ServerResponse } from "node:http";

/** Bytes per read and per socket write. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Sends bytes `start`..`end` (inclusive) of an open file as the body of a
 * response whose head is set, then closes the file. Two 1 MiB buffers,
 * reused for the whole file: one is read into while the other is on its way
 * to the socket, so a download allocates no memory per chunk. A fresh buffer per read (what `createReadStream`
 * does) costs a page fault per 4 KiB, and Node's 64 KiB chunks sixteen times as many reads, writes and
 * event-loop turns (`npm run bench`, scenario 6, in docs/performance.md). A client that goes away ends
 * it at the next chunk.
 *
 * @param handle The open file; closed when this settles.
 * @param res The response, head set; ended here (destroyed on a read error).
 * @param start The first byte.
 * @param end The last byte (inclusive).
 */
export async function sendFileRange(
  handle: FileHandle,
  res: ServerResponse,
  start: number,
  end: number,
): Promise<void> {
  const buffers = [Buffer.allocUnsafeSlow(CHUNK_BYTES), Buffer.allocUnsafeSlow(CHUNK_BYTES)];
  let gone = false;
  let onClose = () => {};
  // A write to a socket that closed may never call back: "close" ends the wait too.
  const closed = new Promise<void>((resolve) => (onClose = () => ((gone = true), resolve())));
  res.once("close", onClose);
  let sending: Promise<void> = Promise.resolve();
  try {
    for (let position = start, turn = 0; position <= end && !gone; turn ^= 1) {
      const buffer = buffers[turn] as Buffer;
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, end - position + 1), position);
      if (bytesRead === 0) throw new Error("the file ended before its size");
      position += bytesRead;
      // The other buffer's write must be done before this one goes: then the next read may reuse it.
      await sending;
      if (gone) break;
      sending = Promise.race([write(res, buffer.subarray(0, bytesRead)), closed]);
      // Awaited after the next read; until then its failure must not count as unhandled.
      sending.catch(() => {});
    }
    await sending;
    if (!gone) res.end();
  } catch {
    res.destroy();
  } finally {
    res.off("close", onClose);
    await handle.close();
  }
}

/** Resolves once the chunk has left for the socket (its buffer may then be reused), rejects when the write fails. */
function write(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}
