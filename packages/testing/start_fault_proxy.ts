import { createServer, Socket } from "node:net";
import type { AddressInfo } from "node:net";

/** A TCP proxy in front of a store, that can break off its downloads. */
export interface FaultProxy {
  /** The proxy's `http://127.0.0.1:PORT`, to put in place of the store's. */
  url: string;
  /**
   * While on, every `GET` request's answer is cut (both sockets destroyed)
   * once this many bytes of it have passed: the store fails in the middle of
   * a download. `HEAD` and the rest pass whole. `undefined` turns it off.
   */
  cutGetsAfter: number | undefined;
  /** How many `GET` requests went through. */
  readonly gets: number;
  /** Stops the proxy and drops its connections. */
  close(): Promise<void>;
}

/**
 * Starts a plain TCP proxy on a free loopback port in front of a real store
 * (an emulator's `http://` endpoint): requests and answers pass untouched,
 * except that it can cut `GET` answers part way, a fault of the network or
 * the store that no emulator can be asked for. It reads only the first
 * bytes of each request to tell a `GET` (one request per write, as the
 * SDKs send them).
 *
 * @param target The store's `http://host:port`.
 * @returns The proxy.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy("http://127.0.0.1:4568");
 * proxy.cutGetsAfter = 1024;
 * ```
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let gets = 0;
  const proxy: FaultProxy = {
    url: "",
    cutGetsAfter: undefined,
    get gets() {
      return gets;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    let remaining: number | undefined;
    client.on("data", (chunk: Buffer) => {
      if (chunk.subarray(0, 4).toString("latin1") === "GET ") {
        gets += 1;
        remaining = proxy.cutGetsAfter;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (remaining === undefined) {
        client.write(chunk);
        return;
      }
      if (chunk.length < remaining) {
        remaining -= chunk.length;
        client.write(chunk);
        return;
      }
      client.write(chunk.subarray(0, remaining), drop);
      remaining = undefined;
    });
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    upstream.connect(Number(port), hostname);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
