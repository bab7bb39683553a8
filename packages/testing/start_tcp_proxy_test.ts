import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { startTcpProxy } from "./start_tcp_proxy.ts";

const BODY = Buffer.alloc(256 * 1024, 7);
const target = createServer((_req, res) => {
  res.writeHead(200, { "Content-Length": String(BODY.length), Connection: "close" });
  res.end(BODY);
});
let targetPort = 0;

before(async () => {
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  targetPort = (target.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => target.close(() => resolve())));

/** A GET through plain node:http, which says how much body arrived and whether it ended cleanly. */
function get(url: string): Promise<{ status: number; received: number; complete: boolean }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      let received = 0;
      res.on("data", (chunk: Buffer) => (received += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, received, complete: res.complete }));
      res.on("error", () => resolve({ status: res.statusCode ?? 0, received, complete: false }));
      res.on("aborted", () => resolve({ status: res.statusCode ?? 0, received, complete: false }));
    });
    req.on("error", () => resolve({ status: 0, received: 0, complete: false }));
    req.end();
  });
}

test("forwards a connection and counts the bytes that cross it", async () => {
  const proxy = await startTcpProxy(targetPort);
  try {
    const answer = await get(`${proxy.url}/`);
    assert.deepEqual(answer, { status: 200, received: BODY.length, complete: true });
    assert.ok(proxy.bytesToClients > BODY.length, "the body and the headers");
    assert.ok(proxy.bytesToClients < BODY.length + 1024, "no more than the headers besides");
    assert.ok(proxy.bytesToTarget > 0);
    assert.equal(proxy.connections, 1);
    assert.equal(proxy.peakOpen, 1);
    proxy.resetCounters();
    assert.equal(proxy.bytesToClients, 0);
  } finally {
    await proxy.close();
  }
});

test("cuts a connection after the planned number of bytes", async () => {
  const proxy = await startTcpProxy(targetPort, {
    plan: (n) => (n === 0 ? { kind: "forward", cutAfterBytes: 10_000 } : { kind: "forward" }),
  });
  try {
    const cut = await get(`${proxy.url}/`);
    assert.equal(cut.complete, false);
    assert.ok(cut.received < 10_000);
    assert.equal(proxy.bytesToClients, 10_000);
    assert.equal(proxy.cuts, 1);
    const whole = await get(`${proxy.url}/`);
    assert.equal(whole.received, BODY.length, "the next connection is forwarded whole");
  } finally {
    await proxy.close();
  }
});

test("answers a planned connection itself, without reaching the target", async () => {
  const proxy = await startTcpProxy(targetPort, {
    plan: () => ({
      kind: "reply",
      data: "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    }),
  });
  try {
    const answer = await get(`${proxy.url}/`);
    assert.equal(answer.status, 503);
    assert.equal(proxy.bytesToTarget, 0);
  } finally {
    await proxy.close();
  }
});

test("takes its target port after it has started", async () => {
  const proxy = await startTcpProxy(0);
  try {
    proxy.targetPort = targetPort;
    assert.equal((await get(`${proxy.url}/`)).received, BODY.length);
  } finally {
    await proxy.close();
  }
});

test("stalls a connection after the planned number of bytes, holding it open", async () => {
  const proxy = await startTcpProxy(targetPort, {
    plan: () => ({ kind: "forward", stallAfterBytes: 5000, delayMs: 50 }),
  });
  try {
    const pending = get(`${proxy.url}/`);
    const deadline = Date.now() + 5000;
    while (proxy.bytesToClients < 5000 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(proxy.bytesToClients, 5000, "nothing past the stall");
    assert.equal(proxy.cuts, 0);
    await proxy.close();
    assert.equal((await pending).complete, false);
  } finally {
    await proxy.close();
  }
});
