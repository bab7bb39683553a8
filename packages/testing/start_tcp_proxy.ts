import { createServer, Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * What the proxy does with one connection, decided when it arrives:
 * `forward` it to the target — after `delayMs`, cut after `cutAfterBytes`
 * bytes sent to the client, or stalled (held open, nothing more forwarded)
 * after `stallAfterBytes`, when given — or `reply` with fixed bytes of its
 * own (an HTTP 503, say) and close, without ever reaching the target.
 */
export type TcpProxyPlan =
  | { kind: "forward"; cutAfterBytes?: number; stallAfterBytes?: number; delayMs?: number }
  | { kind: "reply"; data: string | Uint8Array };

/** Options of {@linkcode startTcpProxy}. */
export interface StartTcpProxyOptions {
  /** The target's host. Defaults to `127.0.0.1`. */
  host?: string;
  /**
   * The plan of each connection, by its number (0, 1, 2, …). Defaults to
   * forwarding every connection untouched.
   */
  plan?: (connection: number) => TcpProxyPlan;
}

/** A loopback TCP proxy started by {@linkcode startTcpProxy}. */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The target's port; may be set after start (a service that must know the proxy's URL first). */
  targetPort: number;
  /** Bytes sent from the target to clients so far, counted as they pass. */
  bytesToClients: number;
  /** Bytes sent from clients to the target so far. */
  bytesToTarget: number;
  /** Connections accepted so far. */
  connections: number;
  /** Connections cut by a `cutAfterBytes` plan so far. */
  cuts: number;
  /** The most client connections open at once so far. */
  peakOpen: number;
  /** Sets the counters back to 0 (the connection numbers that plans see go on). */
  resetCounters(): void;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on a free loopback port in front of a target port:
 * tests put it between a client and a real service or store to count the
 * bytes that really cross the wire, cut connections mid-transfer, or answer
 * some connections itself (a burst of `503`s).
 *
 * @param targetPort The port to forward to (0: set `targetPort` later).
 * @param options The target's host and the plan of each connection.
 * @returns The running proxy and its counters.
 *
 * @example
 * ```ts
 * const proxy = await startTcpProxy(server.running.port);
 * await fetch(`${proxy.url}/healthz`);
 * console.log(proxy.bytesToClients);
 * await proxy.close();
 * ```
 */
export async function startTcpProxy(targetPort: number, options: StartTcpProxyOptions = {}): Promise<TcpProxy> {
  const { host = "127.0.0.1", plan = () => ({ kind: "forward" }) } = options;
  const open = new Set<Socket>();
  let connectionNumber = 0;

  let clients = 0;
  const server = createServer((client) => {
    open.add(client);
    proxy.peakOpen = Math.max(proxy.peakOpen, ++clients);
    client.on("close", () => {
      open.delete(client);
      clients--;
    });
    client.on("error", () => {});
    proxy.connections++;
    const decided: TcpProxyPlan = plan(connectionNumber++);
    if (decided.kind === "reply") {
      // Read what the client sends (so it never sees a reset before the reply), answer, close.
      client.once("data", () => client.end(decided.data));
      return;
    }
    // Hold what the client sends until the target is connected (after the planned delay).
    client.pause();
    const upstream = new Socket();
    open.add(upstream);
    setTimeout(() => {
      upstream.connect({ host, port: proxy.targetPort }, () => client.resume());
    }, decided.delayMs ?? 0);
    upstream.on("close", () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.on("data", (chunk: Buffer) => {
      proxy.bytesToTarget += chunk.length;
      upstream.write(chunk);
    });
    let sent = 0;
    upstream.on("data", (chunk: Buffer) => {
      const stall = decided.stallAfterBytes;
      if (stall !== undefined && sent + chunk.length >= stall) {
        const part = chunk.subarray(0, Math.max(0, stall - sent));
        sent += part.length;
        proxy.bytesToClients += part.length;
        client.write(part);
        upstream.pause();
        return;
      }
      const limit = decided.cutAfterBytes;
      if (limit !== undefined && sent + chunk.length >= limit) {
        const part = chunk.subarray(0, Math.max(0, limit - sent));
        sent += part.length;
        proxy.bytesToClients += part.length;
        proxy.cuts++;
        client.write(part, () => {
          client.destroy();
          upstream.destroy();
        });
        upstream.pause();
        return;
      }
      sent += chunk.length;
      proxy.bytesToClients += chunk.length;
      // Backpressure: a slow client slows the target down, as a real network would.
      if (!client.write(chunk)) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const proxy: TcpProxy = {
    port,
    url: `http://127.0.0.1:${port}`,
    targetPort,
    bytesToClients: 0,
    bytesToTarget: 0,
    connections: 0,
    cuts: 0,
    peakOpen: 0,
    resetCounters() {
      proxy.bytesToClients = 0;
      proxy.bytesToTarget = 0;
      proxy.connections = 0;
      proxy.cuts = 0;
      proxy.peakOpen = clients;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
