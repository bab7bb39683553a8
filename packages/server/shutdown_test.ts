import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent as HttpAgent, get, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import jwt from "jsonwebtoken";
import { Agent } from "undici";
import { ROUTES } from "@taskdl/contract";

// Graceful shutdown of the real service, started as `npm start` starts it
// (main.ts, embedded PostgreSQL): on SIGTERM it refuses new connections,
// finishes what is in flight, stops PostgreSQL and exits 0 — within
// SHUTDOWN_TIMEOUT_MS even when a client never finishes reading.

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const SECRET = "shutdown-test-secret-of-at-least-32-bytes";
const BIG = randomBytes(24 * 1024 * 1024);
const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

interface Service {
  child: ChildProcess;
  url: string;
  dataDir: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startService(env: Record<string, string>): Promise<Service> {
  const dataDir = mkdtempSync(join(tmpdir(), "taskdl-shutdown-"));
  folders.push(dataDir);
  chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
  mkdirSync(join(dataDir, "files", "big"), { recursive: true });
  writeFileSync(join(dataDir, "files", "big", "blob.bin"), BIG);
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...inherited,
      DATA_DIR: dataDir,
      PORT: "0",
      JWT_SECRET: SECRET,
      SEED_DEMO: "false",
      RATE_LIMIT_PER_USER: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk) => (text += chunk));
  child.stderr?.on("data", (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const match = /taskdl is listening on (http:\/\/[^\s]+)/.exec(text);
    if (match?.[1] !== undefined) return { child, url: match[1], dataDir, output: () => text, exited };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`the service did not start:\n${text}`);
}

const token = (sub: string, scope?: string) =>
  jwt.sign({ sub, ...(scope === undefined ? {} : { scope }) }, SECRET, { algorithm: "HS256", expiresIn: 600 });

async function bigFileLink(service: Service): Promise<string> {
  const put = await fetch(`${service.url}/analysis/task/big-1`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${token("pipeline", "tasks:write")}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      ownerId: "alice",
      status: "SUCCEEDED",
      outputs: [{ fileName: "blob.bin", storageKey: "big/blob.bin" }],
    }),
  });
  assert.equal(put.status, 200, await put.text());
  const res = await fetch(`${service.url}${ROUTES.getDownloadUrl.path}?taskId=big-1`, {
    headers: { Authorization: `Bearer ${token("alice")}` },
  });
  return (
    ((await res.json()) as { data: { downloadUrls: { downloadUrl: string }[] } }).data.downloadUrls[0]?.downloadUrl ??
    ""
  );
}

function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

test(
  "SIGTERM: new connections are refused, requests and a slow download in flight finish, exit 0",
  { timeout: 180_000 },
  async () => {
    const service = await startService({ SHUTDOWN_TIMEOUT_MS: "20000" });
    try {
      const link = await bigFileLink(service);
      // node:http for the slow reader: it ends the body at Content-Length whatever the socket does after. (fetch,
      // reading this slowly, can report "terminated" when a keep-alive connection closes with bytes it has
      // received but not parsed yet — a client quirk, not a lost byte: the server has sent them all.)
      const download = await new Promise<IncomingMessage>((resolve, reject) =>
        get(link, { agent: new HttpAgent({ keepAlive: true }) }, resolve).once("error", reject),
      );
      assert.equal(download.statusCode, 200);
      download.pause();
      const chunks: Buffer[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        download.on("data", (chunk: Buffer) => chunks.push(chunk));
        download.once("end", resolve);
        download.once("error", reject);
        download.once("aborted", () => reject(new Error("download aborted")));
      });
      // Keep the other requests off the download's connection (fetch would reuse it once its bytes are in).
      const others = new Agent({ connections: 20 });
      const inFlight = Array.from({ length: 20 }, () =>
        fetch(`${service.url}${ROUTES.getDownloadUrl.path}?taskId=big-1`, {
          headers: { Authorization: `Bearer ${token("alice")}` },
          dispatcher: others,
        } as RequestInit),
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      service.child.kill("SIGTERM");

      const answers = await Promise.allSettled(inFlight);
      after(() => others.close());
      const statuses = answers.map((answer) => (answer.status === "fulfilled" ? answer.value.status : "failed"));
      // Each request either reached the service before it stopped accepting (and was answered in full) or was
      // refused at connect time — never accepted and then dropped.
      for (const answer of answers) {
        if (answer.status === "fulfilled") {
          assert.equal(answer.value.status, 200);
          await answer.value.arrayBuffer();
        } else {
          assert.match(
            String((answer.reason as Error).cause ?? answer.reason),
            /ECONNREFUSED|ECONNRESET|other side closed/,
          );
        }
      }
      assert.ok(statuses.filter((status) => status === 200).length > 0, `statuses ${statuses.join(",")}`);

      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await refused(service.url), true, "no new connections once stopping");

      // The slow client keeps reading well after SIGTERM and still gets every byte.
      const slowly = setInterval(() => {
        download.resume();
        setTimeout(() => download.pause(), 2);
      }, 10);
      try {
        await ended;
      } finally {
        clearInterval(slowly);
      }
      const body = Buffer.concat(chunks);
      assert.equal(body.length, BIG.length);
      assert.equal(createHash("sha256").update(body).digest("hex"), createHash("sha256").update(BIG).digest("hex"));

      assert.equal(await service.exited, 0, service.output());
      assert.match(service.output(), /stopping: finishing requests in flight/);
      assert.match(service.output(), /"msg":"stopped"/);
      // Every answered request has its access line (they are gathered into larger writes), before "stopped".
      const logged = service
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg: string; path?: string; status?: number; aborted?: true });
      const stoppedAt = logged.findIndex((line) => line.msg === "stopped");
      // A request whose connection the client saw reset (allowed above) is logged too, marked aborted.
      const access = logged.slice(0, stoppedAt).filter((line) => line.msg === "request" && line.aborted !== true);
      const answered = statuses.filter((status) => status === 200).length;
      assert.equal(
        access.filter((line) => line.path === ROUTES.getDownloadUrl.path && line.status === 200).length,
        answered + 1, // and bigFileLink's
        JSON.stringify(access),
      );
      assert.equal(access.filter((line) => line.path === "/files/big/blob.bin" && line.status === 200).length, 1);
      assert.equal(logged.slice(stoppedAt).filter((line) => line.msg === "request").length, 0);
      assert.ok(!existsSync(join(service.dataDir, "pg", "postmaster.pid")), "the embedded PostgreSQL stopped too");
    } finally {
      service.child.kill("SIGKILL");
    }
  },
);

test(
  "a client that never finishes is cut at SHUTDOWN_TIMEOUT_MS, and the service still exits 0",
  { timeout: 180_000 },
  async () => {
    const service = await startService({ SHUTDOWN_TIMEOUT_MS: "1000" });
    try {
      const download = await fetch(await bigFileLink(service));
      assert.equal(download.status, 200);
      const started = Date.now();
      service.child.kill("SIGTERM");
      assert.equal(await service.exited, 0, service.output());
      const took = Date.now() - started;
      assert.ok(took >= 900 && took < 15_000, `exited after ${took} ms`);
      await assert.rejects(download.arrayBuffer(), "the stalled download was cut");
    } finally {
      service.child.kill("SIGKILL");
    }
  },
);
