import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { createServer, get, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { sendFileRange } from "./send_file_range.ts";

// Three and a half chunks: every range below crosses a 1 MiB chunk boundary or ends inside one.
const BYTES = randomBytes(3.5 * 1024 * 1024);
const MiB = 1024 * 1024;

let dir: string;
let baseUrl: string;
let close: () => Promise<void>;
const settled: Promise<void>[] = [];
let opened = 0;
let closed = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "taskdl-send-"));
  writeFileSync(join(dir, "out.bin"), BYTES);
  writeFileSync(join(dir, "short.bin"), BYTES.subarray(0, MiB));
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const start = Number(url.searchParams.get("start"));
    const end = Number(url.searchParams.get("end"));
    const handle = await open(join(dir, url.pathname.slice(1)), "r");
    opened++;
    // A FileHandle is an EventEmitter that says "close" (Node's docs; its types leave it out).
    (handle as unknown as EventEmitter).once("close", () => closed++);
    res.writeHead(200, { "Content-Length": end - start + 1 });
    settled.push(sendFileRange(handle, res, start, end));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
});

after(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

const openFiles = () => opened - closed;

test("sends exactly the bytes of the range, across chunk boundaries, and closes the file", async () => {
  for (const [start, end] of [
    [0, BYTES.length - 1],
    [MiB - 1, MiB],
    [1, 3 * MiB + 5],
    [2 * MiB, 2 * MiB],
    [BYTES.length - 10, BYTES.length - 1],
  ] as const) {
    const res = await fetch(`${baseUrl}/out.bin?start=${start}&end=${end}`);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, end - start + 1, `${start}-${end}`);
    assert.ok(body.equals(BYTES.subarray(start, end + 1)), `${start}-${end}: the same bytes`);
  }
  await Promise.all(settled);
  assert.equal(openFiles(), 0, "every file handle closed");
});

test("a file shorter than its range ends the answer broken, not padded or hanging, and is closed", async () => {
  const res = await fetch(`${baseUrl}/short.bin?start=0&end=${2 * MiB - 1}`);
  await assert.rejects(res.arrayBuffer(), "the client sees a cut answer");
  await Promise.all(settled);
  assert.equal(openFiles(), 0);
});

test("a client that goes away mid-file stops the reads and the file is closed", async () => {
  const count = settled.length;
  await new Promise<void>((resolve, reject) => {
    const req = get(`${baseUrl}/out.bin?start=0&end=${BYTES.length - 1}`, (res: IncomingMessage) => {
      res.once("data", () => {
        req.destroy(); // after the first chunk
        resolve();
      });
    });
    req.on("error", () => {});
    req.on("timeout", reject);
  });
  for (let i = 0; settled.length === count && i < 100; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await Promise.all(settled);
  assert.equal(openFiles(), 0);
});
